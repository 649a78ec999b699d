// postgres.js (the `postgres` npm package) against ruvector's compatibility
// extension `vector`, with all four types of pgvector's family: vector,
// halfvec, sparsevec and bit.  Values go in as pgvector's npm package
// writes them (pgvector.toSql, string parameters the server types), as
// typed parameters (custom types registered by OID with `types: {...}`,
// looked up by name first, as postgres.js documents), and through text
// COPY; they come back through those types' parsers and are compared
// exactly.  Nearest-neighbour queries for <->, <=>, <#> and <~> run
// through hnsw and ivfflat indexes, and the binary_quantize expression
// index with the re-rank in SQL.
//
// postgres.js 3.4 speaks only the text format: its Bind message sends no
// format codes (all parameters and all result columns text) and writes
// every serialized parameter as a UTF-8 string, so a custom type cannot be
// sent or received in binary.  The binary formats are read here as the
// bytea of vector_send / halfvec_send / sparsevec_send (postgres.js parses
// bytea into a Buffer) and decoded; psycopg_test.py writes them too.
//
// Run by run.sh, which names the database (PGDATABASE) and has created
// ruvector in it; connection from the usual PG* environment.  Exit status
// 0 when every check passes.
'use strict';

const assert = require('node:assert/strict');
const postgres = require('postgres');
const pgvector = require('pgvector');
const { SparseVector } = require('pgvector');

const ROWS = 300;

// deterministic rows; every value a multiple of 1/4 in [-4, 4], exact in
// float4 and in float16
function rowVector(i) {
  return [((i * 7) % 17) / 2 - 4, ((i * 5 + 3) % 13) / 4 - 1.5, ((i * 11 + 1) % 29) / 4 - 3.5];
}
function rowHalf(i) {
  return [((i * 3 + 1) % 31) / 4 - 3.75, ((i * 13) % 11) / 2 - 2.5, ((i * 17 + 5) % 23) / 4 - 2.75];
}
// five dimensions, two or three of them set (indices are 0-based in SparseVector)
function rowSparse(i) {
  const m = { [i % 5]: (i % 9) / 2 - 2 || 0.5, [(i * 3 + 1) % 5]: ((i % 7) + 1) / 4 };
  if (i % 4 === 0)
    m[(i + 2) % 5] = -1.25;
  return new SparseVector(m, 5);
}
function rowBits(i) {
  return [i % 2, (i >> 1) % 2, (i * 5 >> 2) % 2].join('');
}

function dense(s) {
  return s instanceof SparseVector ? s.toArray() : s;
}
function l2(a, b) {
  a = dense(a); b = dense(b);
  return Math.sqrt(a.reduce((s, x, j) => s + (x - b[j]) * (x - b[j]), 0));
}
function dot(a, b) {
  a = dense(a); b = dense(b);
  return a.reduce((s, x, j) => s + x * b[j], 0);
}
function cosine(a, b) {
  return 1 - dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
}
function hamming(a, b) {
  let n = 0;
  for (let j = 0; j < a.length; j++)
    n += a[j] !== b[j];
  return n;
}
function binaryQuantize(v) {
  return v.map((x) => (x > 0 ? '1' : '0')).join('');
}
function close(a, b) {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

// rows (id, d) from the server are a correct top k: each distance is that
// row's own (computed here), in order, no id twice, and the k-th is the
// k-th smallest of all rows (so no nearer row was missed; ties may come in
// any order)
function assertTopK(rows, k, distOf) {
  const all = [];
  for (let i = 1; i <= ROWS; i++)
    all.push(distOf(i));
  all.sort((a, b) => a - b);
  assert.equal(rows.length, k, 'row count');
  assert.equal(new Set(rows.map((r) => r.id)).size, k, 'distinct ids');
  rows.forEach((r, n) => {
    assert.ok(close(r.d, distOf(r.id)), `row ${n} (id ${r.id}): distance ${r.d}, computed ${distOf(r.id)}`);
    assert.ok(close(r.d, all[n]), `row ${n} (id ${r.id}): distance ${r.d}, the ${n + 1}-th smallest is ${all[n]}`);
  });
}

// pgvector's binary formats
function vectorFromBinary(buf) {
  const dim = buf.readInt16BE(0);
  assert.equal(buf.readInt16BE(2), 0, 'reserved field of a binary vector');
  assert.equal(buf.length, 4 + 4 * dim, 'length of a binary vector');
  return Array.from({ length: dim }, (_, j) => buf.readFloatBE(4 + 4 * j));
}
function halfvecFromBinary(buf) {
  const dim = buf.readInt16BE(0);
  assert.equal(buf.readInt16BE(2), 0, 'reserved field of a binary halfvec');
  assert.equal(buf.length, 4 + 2 * dim, 'length of a binary halfvec');
  return Array.from({ length: dim }, (_, j) => {
    const h = buf.readUInt16BE(4 + 2 * j);
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    assert.notEqual(exp, 0x1f, 'no infinities or NaNs here');
    return sign * (exp === 0 ? frac * 2 ** -24 : (1 + frac / 1024) * 2 ** (exp - 15));
  });
}
function sparsevecFromBinary(buf) {
  const dim = buf.readInt32BE(0);
  const nnz = buf.readInt32BE(4);
  assert.equal(buf.readInt32BE(8), 0, 'reserved field of a binary sparsevec');
  assert.equal(buf.length, 12 + 8 * nnz, 'length of a binary sparsevec');
  const indices = Array.from({ length: nnz }, (_, k) => buf.readInt32BE(12 + 4 * k));
  const values = Array.from({ length: nnz }, (_, k) => buf.readFloatBE(12 + 4 * nnz + 4 * k));
  return { dimensions: dim, indices, values };
}

async function main() {
  let checks = 0;
  const check = (what, fn) => { fn(); checks++; console.log(`  ok: ${what}`); };
  const options = { max: 1, onnotice: () => {} };

  // first connection: the extension, and the types' OIDs by name
  const plain = postgres(options);
  await plain`CREATE EXTENSION IF NOT EXISTS vector`;
  const found = await plain`
    SELECT t.typname, t.oid::integer AS oid FROM pg_type t JOIN pg_extension e ON e.extname = 'vector'
      JOIN pg_depend d ON d.objid = t.oid AND d.refobjid = e.oid AND d.deptype = 'e'
     WHERE t.typname IN ('vector', 'halfvec', 'sparsevec')`;
  const oid = Object.fromEntries(found.map((r) => [r.typname, r.oid]));
  check('CREATE EXTENSION IF NOT EXISTS vector; vector, halfvec and sparsevec belong to it', () =>
    assert.deepEqual(Object.keys(oid).sort(), ['halfvec', 'sparsevec', 'vector']));

  // the table, filled through the plain connection the way pgvector's README
  // shows for postgres.js: toSql strings as untyped parameters
  await plain`DROP TABLE IF EXISTS pjs_items`;
  await plain`CREATE TABLE pjs_items (id integer PRIMARY KEY, embedding vector(3), half halfvec(3),
                                      sparse sparsevec(5), bits bit(3))`;
  const rowOf = (i) => ({ id: i, embedding: pgvector.toSql(rowVector(i)), half: pgvector.toSql(rowHalf(i)),
                          sparse: pgvector.toSql(rowSparse(i)), bits: rowBits(i) });
  const first = [];
  for (let i = 1; i <= 100; i++)
    first.push(rowOf(i));
  await plain`INSERT INTO pjs_items ${plain(first, 'id', 'embedding', 'half', 'sparse', 'bits')}`;
  const text = await plain`SELECT embedding, half, sparse, bits FROM pjs_items WHERE id = 42`;
  check('without custom types, values come back as their text forms (strings)', () => {
    assert.equal(text[0].embedding, JSON.stringify(rowVector(42)));
    assert.equal(text[0].half, JSON.stringify(rowHalf(42)));
    assert.equal(text[0].sparse, rowSparse(42).toPostgres());
    assert.equal(text[0].bits, rowBits(42));
  });

  // second connection with the types registered by OID
  // (a parameter the server types from context, such as a toSql string,
  // also reaches the serializer once the server has described it: strings
  // pass through)
  const typeOf = (o) => ({ to: o, from: [o], parse: pgvector.fromSql,
                           serialize: (x) => (typeof x === 'string' ? x : pgvector.toSql(x)) });
  const sql = postgres({
    ...options,
    types: {
      vector: typeOf(oid.vector),
      halfvec: typeOf(oid.halfvec),
      sparsevec: typeOf(oid.sparsevec),
    },
  });

  // rows 101..200 as typed parameters (the OIDs go into Parse)
  const typed = await sql`SELECT pg_typeof(${sql.typed.vector([1, 2])})::text AS v, pg_typeof(${sql.typed.halfvec([1])})::text AS h,
                                 pg_typeof(${sql.typed.sparsevec(new SparseVector([0, 1]))})::text AS s,
                                 ${sql.typed.halfvec([0.5, -2])} AS hv`;
  check('typed parameters reach the server as vector, halfvec and sparsevec, and parse back', () => {
    assert.deepEqual([typed[0].v, typed[0].h, typed[0].s], ['vector', 'halfvec', 'sparsevec']);
    assert.deepEqual(typed[0].hv, [0.5, -2]);
  });
  for (let i = 101; i <= 200; i++)
    await sql`INSERT INTO pjs_items VALUES (${i}, ${sql.typed.vector(rowVector(i))}, ${sql.typed.halfvec(rowHalf(i))},
                                            ${sql.typed.sparsevec(rowSparse(i))}, ${rowBits(i)})`;
  // rows 201..ROWS through COPY ... FROM STDIN (text)
  const copy = await sql`COPY pjs_items (id, embedding, half, sparse, bits) FROM STDIN`.writable();
  for (let i = 201; i <= ROWS; i++) {
    const r = rowOf(i);
    copy.write(`${r.id}\t${r.embedding}\t${r.half}\t${r.sparse}\t${r.bits}\n`);
  }
  await new Promise((resolve, reject) => { copy.on('finish', resolve); copy.on('error', reject); copy.end(); });
  await sql`INSERT INTO pjs_items VALUES (0, NULL, NULL, NULL, NULL)`;

  const all = await sql`SELECT id, embedding, half, sparse, bits FROM pjs_items WHERE id > 0 ORDER BY id`;
  check(`${ROWS} rows (untyped, typed, COPY) read back through the types' parsers, exactly`, () => {
    assert.equal(all.length, ROWS);
    all.forEach((r, k) => {
      assert.equal(r.id, k + 1);
      assert.deepEqual(r.embedding, rowVector(r.id), `vector of row ${r.id}`);
      assert.deepEqual(r.half, rowHalf(r.id), `halfvec of row ${r.id}`);
      assert.ok(r.sparse instanceof SparseVector, `sparsevec of row ${r.id}: ${r.sparse}`);
      assert.equal(r.sparse.dimensions, 5, `sparsevec of row ${r.id}`);
      assert.deepEqual(r.sparse.indices, rowSparse(r.id).indices, `sparsevec of row ${r.id}`);
      assert.deepEqual(r.sparse.values, rowSparse(r.id).values, `sparsevec of row ${r.id}`);
      assert.equal(r.bits, rowBits(r.id), `bit of row ${r.id}`);
    });
  });
  const nul = await sql`SELECT embedding, half, sparse, bits FROM pjs_items WHERE id = 0`;
  check('NULLs read back as null', () => assert.deepEqual(Object.values(nul[0]), [null, null, null, null]));

  // arrays of the types: postgres.js fetched the array OIDs (typarray) at
  // connect and parses the elements with the registered parsers (a NULL
  // element would reach the parser as the string NULL: postgres.js's array
  // parser does not tell NULL apart, so the arrays here have none)
  const arr = await sql`SELECT ARRAY[embedding, embedding] AS v, ARRAY[half] AS h, ARRAY[sparse, sparse] AS s
                          FROM pjs_items WHERE id = 7`;
  check('vector[], halfvec[] and sparsevec[] parse element by element', () => {
    assert.deepEqual(arr[0].v, [rowVector(7), rowVector(7)]);
    assert.deepEqual(arr[0].h, [rowHalf(7)]);
    assert.equal(arr[0].s.length, 2);
    assert.deepEqual(dense(arr[0].s[1]), dense(rowSparse(7)));
  });

  // binary formats, read as bytea
  const bin = await sql`SELECT vector_send(embedding) AS v, halfvec_send(half) AS h, sparsevec_send(sparse) AS s
                          FROM pjs_items WHERE id = 13`;
  check('vector_send, halfvec_send and sparsevec_send give pgvector\'s binary formats', () => {
    assert.deepEqual(vectorFromBinary(bin[0].v), rowVector(13));
    assert.deepEqual(halfvecFromBinary(bin[0].h), rowHalf(13));
    const s = sparsevecFromBinary(bin[0].s);
    assert.equal(s.dimensions, 5);
    assert.deepEqual(s.indices, [...s.indices].sort((a, b) => a - b), 'sparsevec indices ascending');
    const d = Array(5).fill(0);
    s.indices.forEach((x, n) => { d[x] = s.values[n]; });
    assert.deepEqual(d, dense(rowSparse(13)));
  });

  // indexes, one per operator, and exact top-k through them
  await sql`CREATE INDEX pjs_vec_ip ON pjs_items USING hnsw (embedding vector_ip_ops) WITH (m = 16, ef_construction = 64)`;
  await sql`CREATE INDEX pjs_vec_cos ON pjs_items USING ivfflat (embedding vector_cosine_ops) WITH (lists = 4)`;
  await sql`CREATE INDEX pjs_half_l2 ON pjs_items USING hnsw (half halfvec_l2_ops)`;
  await sql`CREATE INDEX pjs_sparse_l2 ON pjs_items USING hnsw (sparse sparsevec_l2_ops)`;
  await sql`CREATE INDEX pjs_bits ON pjs_items USING hnsw (bits bit_hamming_ops)`;
  await sql`CREATE INDEX pjs_bq ON pjs_items USING hnsw ((binary_quantize(embedding)::bit(3)) bit_hamming_ops)`;
  await sql`ANALYZE pjs_items`;
  await sql`SET enable_seqscan = off`;
  await sql`SET hnsw.ef_search = 1000`;
  await sql`SET ivfflat.probes = 4`;
  const ef = await sql`SHOW hnsw.ef_search`;
  check('SET hnsw.ef_search = 1000 holds on the connection', () => assert.equal(ef[0]['hnsw.ef_search'], '1000'));

  const q = [1.5, -2, 0.75];
  const qh = [-0.5, 1.25, 2];
  const qs = new SparseVector({ 0: 1.5, 2: -0.75, 4: 1 }, 5);
  const qb = '101';
  const K = 10;
  // each query as a function of its prefix (EXPLAIN or nothing)
  const cases = [
    ['vector <#> (hnsw vector_ip_ops, typed parameter)', 'pjs_vec_ip',
     (ex) => sql`${ex} SELECT id, embedding <#> ${sql.typed.vector(q)} AS d FROM pjs_items
                       ORDER BY embedding <#> ${sql.typed.vector(q)} LIMIT ${K}`,
     (i) => -dot(rowVector(i), q)],
    ['vector <=> (ivfflat vector_cosine_ops, toSql string parameter)', 'pjs_vec_cos',
     (ex) => sql`${ex} SELECT id, embedding <=> ${pgvector.toSql(q)} AS d FROM pjs_items
                       ORDER BY embedding <=> ${pgvector.toSql(q)} LIMIT ${K}`,
     (i) => cosine(rowVector(i), q)],
    ['halfvec <-> (hnsw halfvec_l2_ops, typed parameter)', 'pjs_half_l2',
     (ex) => sql`${ex} SELECT id, half <-> ${sql.typed.halfvec(qh)} AS d FROM pjs_items
                       ORDER BY half <-> ${sql.typed.halfvec(qh)} LIMIT ${K}`,
     (i) => l2(rowHalf(i), qh)],
    ['sparsevec <-> (hnsw sparsevec_l2_ops, typed parameter)', 'pjs_sparse_l2',
     (ex) => sql`${ex} SELECT id, sparse <-> ${sql.typed.sparsevec(qs)} AS d FROM pjs_items
                       ORDER BY sparse <-> ${sql.typed.sparsevec(qs)} LIMIT ${K}`,
     (i) => l2(rowSparse(i), qs)],
    ['bit <~> (hnsw bit_hamming_ops, string parameter)', 'pjs_bits',
     (ex) => sql`${ex} SELECT id, bits <~> ${qb}::bit(3) AS d FROM pjs_items
                       ORDER BY bits <~> ${qb}::bit(3) LIMIT ${K}`,
     (i) => hamming(rowBits(i), qb)],
  ];
  for (const [what, index, query, distOf] of cases) {
    const plan = await query(sql`EXPLAIN (COSTS OFF)`);
    const rows = await query(sql``);
    check(`${what}: an index scan, the exact top ${K}`, () => {
      assert.match(plan.map((r) => r['QUERY PLAN']).join('\n'), new RegExp(`Index Scan using ${index} `));
      assertTopK(rows.map((r) => ({ id: r.id, d: Number(r.d) })), K, distOf);
    });
  }

  // binary quantization: the expression index gives the candidates, cosine
  // re-ranks them in SQL (pgvector's README); the candidate count is the
  // number of rows whose quantization equals the query's, so the set is
  // determined despite the many ties of a 3-bit Hamming distance
  const qbq = binaryQuantize(q);
  const candidates = [];
  for (let i = 1; i <= ROWS; i++)
    if (binaryQuantize(rowVector(i)) === qbq)
      candidates.push({ id: i, c: cosine(rowVector(i), q) });
  candidates.sort((a, b) => a.c - b.c || a.id - b.id);
  const bqQuery = (ex) => sql`${ex} SELECT id, embedding, embedding <=> ${sql.typed.vector(q)} AS d FROM (
      SELECT id, embedding FROM pjs_items
       ORDER BY binary_quantize(embedding)::bit(3) <~> binary_quantize(${sql.typed.vector(q)}) LIMIT ${candidates.length}) c
    ORDER BY embedding <=> ${sql.typed.vector(q)}, id LIMIT 5`;
  const bqPlan = await bqQuery(sql`EXPLAIN (COSTS OFF)`);
  const bq = await bqQuery(sql``);
  check('binary_quantize(embedding)::bit(3) expression index, re-ranked by <=>: an index scan', () =>
    assert.match(bqPlan.map((r) => r['QUERY PLAN']).join('\n'), /Index Scan using pjs_bq /));
  check(`its ${candidates.length} candidates (quantized as ${qbq}) re-ranked: the exact 5 by cosine`, () => {
    assert.ok(candidates.length >= 5, `only ${candidates.length} candidates`);
    assert.deepEqual(bq.map((r) => r.id), candidates.slice(0, 5).map((c) => c.id));
    bq.forEach((r, n) => {
      assert.deepEqual(r.embedding, rowVector(r.id));
      assert.ok(close(r.d, candidates[n].c), `row ${r.id}: ${r.d} vs ${candidates[n].c}`);
    });
  });

  // a wrong dimension count: pgvector's SQLSTATE 22000
  let err = null;
  try {
    await sql`INSERT INTO pjs_items (id, half) VALUES (-1, ${sql.typed.halfvec([1, 2, 3, 4])})`;
  } catch (e) {
    err = e;
  }
  check('a 4-dimension halfvec in a halfvec(3) column fails with SQLSTATE 22000', () =>
    assert.equal(err && err.code, '22000', String(err)));

  await sql`DROP TABLE pjs_items`;
  await sql.end();
  await plain.end();
  console.log(`postgres.js ${require(`${__dirname}/node_modules/postgres/package.json`).version} + pgvector ${require(`${__dirname}/node_modules/pgvector/package.json`).version}: ${checks} checks passed`);
}

main().catch((e) => {
  console.error(`postgres.js client test FAILED: ${e.stack || e}`);
  process.exit(1);
});
