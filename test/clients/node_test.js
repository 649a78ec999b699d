// node-postgres (pg) with the pgvector npm package against ruvector's
// compatibility extension `vector`, the way an application uses them:
// registerTypes finds the types by name, toSql writes parameters, results
// come back as arrays (text format), and the binary wire format is
// checked byte for byte; vector, sparsevec, halfvec (an hnsw index) and bit
// (a binary_quantize expression index, re-ranked in SQL).  Run by run.sh, which names the
// database (PGDATABASE) and has created ruvector in it; connection from
// the usual PG* environment.  Exit status 0 when every check passes.
'use strict';

const assert = require('node:assert/strict');
const pg = require('pg');
const pgvector = require('pgvector/pg');
const { SparseVector } = require('pgvector');

const DIM = 8;
const ROWS = 500;

// a deterministic vector per row: small integers and halves, exact in float4
function rowVector(i) {
  const v = [];
  for (let j = 0; j < DIM; j++)
    v.push(((i * 7 + j * 13) % 17) / 2 - 4);
  return v;
}

function l2(a, b) {
  let s = 0;
  for (let j = 0; j < a.length; j++)
    s += (a[j] - b[j]) * (a[j] - b[j]);
  return Math.sqrt(s);
}

// pgvector's binary format: int16 dimensions, int16 zero, float4s, big-endian
function vectorFromBinary(buf) {
  const dim = buf.readInt16BE(0);
  assert.equal(buf.readInt16BE(2), 0, 'reserved field of a binary vector');
  assert.equal(buf.length, 4 + 4 * dim, 'length of a binary vector');
  const v = [];
  for (let j = 0; j < dim; j++)
    v.push(buf.readFloatBE(4 + 4 * j));
  return v;
}

async function main() {
  const client = new pg.Client();
  let checks = 0;
  const check = (what, fn) => { fn(); checks++; console.log(`  ok: ${what}`); };

  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  await pgvector.registerTypes(client);

  const ext = await client.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
  check('CREATE EXTENSION IF NOT EXISTS vector, registerTypes finds the type', () =>
    assert.equal(ext.rows.length, 1));

  await client.query('DROP TABLE IF EXISTS node_items');
  await client.query(`CREATE TABLE node_items (id integer PRIMARY KEY, embedding vector(${DIM}))`);
  for (let i = 1; i <= ROWS; i++)
    await client.query('INSERT INTO node_items (id, embedding) VALUES ($1, $2)',
                       [i, pgvector.toSql(rowVector(i))]);
  await client.query('INSERT INTO node_items (id, embedding) VALUES ($1, $2)', [0, null]);

  const one = await client.query('SELECT embedding FROM node_items WHERE id = $1', [42]);
  check('a vector written with toSql reads back as the same array (text format)', () =>
    assert.deepEqual(one.rows[0].embedding, rowVector(42)));
  const nul = await client.query('SELECT embedding FROM node_items WHERE id = 0');
  check('NULL reads back as null', () => assert.equal(nul.rows[0].embedding, null));

  await client.query('CREATE INDEX ON node_items USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)');
  await client.query('ANALYZE node_items');
  await client.query('SET hnsw.ef_search = 1000');
  await client.query('SET enable_seqscan = off');
  const query = [0.5, -1, 2, 0, 1.5, -3, 0.5, 1];
  const plan = await client.query('EXPLAIN SELECT id FROM node_items ORDER BY embedding <-> $1 LIMIT 10',
                                  [pgvector.toSql(query)]);
  check('ORDER BY embedding <-> $1 LIMIT 10 is an hnsw index scan', () =>
    assert.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /Index Scan using node_items_embedding_idx/));

  const res = await client.query(
    'SELECT id, embedding, embedding <-> $1 AS distance FROM node_items ORDER BY embedding <-> $1 LIMIT 10',
    [pgvector.toSql(query)]);
  const exact = [];
  for (let i = 1; i <= ROWS; i++)
    exact.push({ id: i, d: l2(rowVector(i), query) });
  exact.sort((a, b) => a.d - b.d || a.id - b.id);
  check('top 10 at hnsw.ef_search = 1000 are the exact top 10 (distances)', () => {
    assert.equal(res.rows.length, 10);
    res.rows.forEach((r, k) => assert.ok(Math.abs(r.distance - exact[k].d) < 1e-5,
                                          `row ${k}: ${r.distance} vs ${exact[k].d}`));
  });
  check('their embeddings are arrays of the rows\' vectors', () =>
    res.rows.forEach((r) => assert.deepEqual(r.embedding, rowVector(r.id))));

  // pgvector's binary wire format, as the server sends it (node-postgres's
  // own `binary: true` mode decodes fields through UTF-8 and corrupts them,
  // brianc/node-postgres#3495, so the bytes come back hex-encoded here;
  // psycopg_test.py reads and writes the binary format itself)
  const wire = await client.query("SELECT encode(vector_send(embedding), 'hex') AS hex FROM node_items WHERE id = $1", [7]);
  const want = Buffer.alloc(4 + 4 * DIM);
  want.writeInt16BE(DIM, 0);
  want.writeInt16BE(0, 2);
  rowVector(7).forEach((x, j) => want.writeFloatBE(x, 4 + 4 * j));
  check('vector_send gives pgvector\'s wire format (int16 dims, int16 0, float4s)', () => {
    assert.equal(wire.rows[0].hex, want.toString('hex'));
    assert.deepEqual(vectorFromBinary(Buffer.from(wire.rows[0].hex, 'hex')), rowVector(7));
  });

  // a cosine index and a typical similarity query
  await client.query('CREATE INDEX ON node_items USING hnsw (embedding vector_cosine_ops)');
  await client.query('SET hnsw.ef_search = 40');
  const cos = await client.query(
    'SELECT id, 1 - (embedding <=> $1) AS similarity FROM node_items ORDER BY embedding <=> $1 LIMIT 5',
    [pgvector.toSql(rowVector(3))]);
  check('cosine top 5 through the index starts with the row itself (similarity 1)', () => {
    assert.equal(cos.rows.length, 5);
    assert.ok(Math.abs(cos.rows[0].similarity - 1) < 1e-6, `similarity ${cos.rows[0].similarity}`);
    for (let k = 1; k < 5; k++)
      assert.ok(cos.rows[k].similarity <= cos.rows[k - 1].similarity + 1e-12);
  });

  // a wrong dimension count is an error with pgvector's SQLSTATE class 22
  let err = null;
  try {
    await client.query('INSERT INTO node_items (id, embedding) VALUES ($1, $2)', [-1, pgvector.toSql([1, 2, 3])]);
  } catch (e) {
    err = e;
  }
  check('a 3-dimension vector in a vector(8) column fails with SQLSTATE 22000', () =>
    assert.equal(err && err.code, '22000'));

  await client.query('DROP TABLE node_items');

  // sparsevec: pgvector's SparseVector written with toSql, parsed back by
  // the type parser registerTypes installed for sparsevec (text format)
  const sparse = (i) => new SparseVector({ [i % 50]: i / 4, [1000 + i]: -1.5, 999999: 0.125 * (i % 3 + 1) }, 1000000);
  await client.query('CREATE TABLE node_sparse (id integer PRIMARY KEY, embedding sparsevec(1000000))');
  for (let i = 1; i <= 20; i++)
    await client.query('INSERT INTO node_sparse (id, embedding) VALUES ($1, $2)', [i, pgvector.toSql(sparse(i))]);
  const sv = await client.query('SELECT id, embedding FROM node_sparse ORDER BY id');
  check('sparsevec: SparseVector values written with toSql read back as SparseVectors', () => {
    assert.equal(sv.rows.length, 20);
    sv.rows.forEach((r) => {
      assert.ok(r.embedding instanceof SparseVector, `row ${r.id}: ${r.embedding}`);
      assert.equal(r.embedding.dimensions, 1000000);
      assert.deepEqual(r.embedding.indices, sparse(r.id).indices);
      assert.deepEqual(r.embedding.values, sparse(r.id).values);
    });
  });
  const sq = sparse(7);
  const sd = await client.query('SELECT id, embedding <#> $1 AS d FROM node_sparse ORDER BY embedding <#> $1, id LIMIT 3',
                                [pgvector.toSql(sq)]);
  const dot = (a, b) => a.indices.reduce((s, idx, k) => {
    const j = b.indices.indexOf(idx);
    return j < 0 ? s : s + a.values[k] * b.values[j];
  }, 0);
  const byIp = [];
  for (let i = 1; i <= 20; i++)
    byIp.push({ id: i, d: -dot(sparse(i), sq) });
  byIp.sort((a, b) => a.d - b.d || a.id - b.id);
  check('sparsevec: ORDER BY embedding <#> $1 gives the exact order and inner products', () =>
    sd.rows.forEach((r, k) => {
      assert.equal(r.id, byIp[k].id);
      assert.ok(Math.abs(r.d - byIp[k].d) < 1e-9, `${r.d} vs ${byIp[k].d}`);
    }));
  await client.query('DROP TABLE node_sparse');

  // halfvec: arrays written with toSql, parsed back by registerTypes'
  // halfvec parser; bit: strings both ways (node-postgres has no parser for
  // bit and returns the text form)
  const HROWS = 300;
  const half = (i) => [((i * 3 + 1) % 31) / 4 - 3.75, ((i * 13) % 11) / 2 - 2.5,
                       ((i * 17 + 5) % 23) / 4 - 2.75, ((i * 7) % 9) - 4]; // exact in float16
  const bitsOf = (v) => v.map((x) => (x > 0 ? '1' : '0')).join('');
  await client.query('CREATE TABLE node_half (id integer PRIMARY KEY, half halfvec(4), bits bit(4))');
  for (let i = 1; i <= HROWS; i++)
    await client.query('INSERT INTO node_half VALUES ($1, $2, $3)', [i, pgvector.toSql(half(i)), bitsOf(half(i))]);
  const hv = await client.query(
    "SELECT id, half, bits, bits = binary_quantize(half) AS same, encode(halfvec_send(half), 'hex') AS hex FROM node_half ORDER BY id");
  check('halfvec: arrays written with toSql read back as the same arrays, bit as its string', () => {
    assert.equal(hv.rows.length, HROWS);
    hv.rows.forEach((r) => {
      assert.deepEqual(r.half, half(r.id), `halfvec of row ${r.id}`);
      assert.equal(r.bits, bitsOf(half(r.id)), `bit of row ${r.id}`);
      assert.equal(r.same, true, `binary_quantize(halfvec) of row ${r.id}`);
    });
  });
  const halfHex = (v) => {
    const b = Buffer.alloc(4 + 2 * v.length);
    b.writeInt16BE(v.length, 0);
    v.forEach((x, j) => {
      // float16 of a value exact in it: sign, 5-bit exponent, 10-bit fraction
      let h = x < 0 ? 0x8000 : 0;
      const a = Math.abs(x);
      if (a !== 0) {
        const e = Math.floor(Math.log2(a));
        h |= ((e + 15) << 10) | Math.round((a / 2 ** e - 1) * 1024);
      }
      b.writeUInt16BE(h, 4 + 2 * j);
    });
    return b.toString('hex');
  };
  check('halfvec_send gives pgvector\'s wire format (int16 dims, int16 0, float16s)', () =>
    hv.rows.slice(0, 20).forEach((r) => assert.equal(r.hex, halfHex(half(r.id)), `row ${r.id}`)));

  await client.query('CREATE INDEX node_half_l2 ON node_half USING hnsw (half halfvec_l2_ops)');
  await client.query('CREATE INDEX node_half_bq ON node_half USING hnsw ((binary_quantize(half)::bit(4)) bit_hamming_ops)');
  await client.query('ANALYZE node_half');
  await client.query('SET hnsw.ef_search = 1000');
  const hq = [0.5, -1.25, 2, 1];
  const hsql = 'SELECT id, half, half <-> $1 AS d FROM node_half ORDER BY half <-> $1 LIMIT 10';
  const hplan = await client.query(`EXPLAIN ${hsql}`, [pgvector.toSql(hq)]);
  const hres = await client.query(hsql, [pgvector.toSql(hq)]);
  const hexact = [];
  for (let i = 1; i <= HROWS; i++)
    hexact.push(l2(half(i), hq));
  hexact.sort((a, b) => a - b);
  check('halfvec: ORDER BY half <-> $1 is an hnsw halfvec_l2_ops index scan', () =>
    assert.match(hplan.rows.map((r) => r['QUERY PLAN']).join('\n'), /Index Scan using node_half_l2 /));
  check('halfvec: its top 10 are the exact top 10 (each row\'s own distance, the k-th smallest)', () => {
    assert.equal(hres.rows.length, 10);
    hres.rows.forEach((r, k) => {
      assert.deepEqual(r.half, half(r.id));
      assert.ok(Math.abs(r.d - l2(half(r.id), hq)) < 1e-5, `row ${r.id}: ${r.d} vs ${l2(half(r.id), hq)}`);
      assert.ok(Math.abs(r.d - hexact[k]) < 1e-5, `row ${k} (id ${r.id}): ${r.d}, the ${k + 1}-th smallest is ${hexact[k]}`);
    });
  });

  // binary quantization as pgvector's README shows it: the expression index
  // gives candidates, the re-rank by <-> is in SQL; the candidate count is
  // the number of rows quantized as the query is, which makes the set exact
  // despite the ties of a 4-bit Hamming distance
  const cands = [];
  for (let i = 1; i <= HROWS; i++)
    if (bitsOf(half(i)) === bitsOf(hq))
      cands.push({ id: i, d: l2(half(i), hq) });
  cands.sort((a, b) => a.d - b.d || a.id - b.id);
  const bqsql = `SELECT id, half <-> $1 AS d FROM (
                   SELECT id, half FROM node_half ORDER BY binary_quantize(half)::bit(4) <~> binary_quantize($1::halfvec) LIMIT $2) c
                 ORDER BY half <-> $1, id LIMIT 5`;
  const bqplan = await client.query(`EXPLAIN ${bqsql}`, [pgvector.toSql(hq), cands.length]);
  const bqres = await client.query(bqsql, [pgvector.toSql(hq), cands.length]);
  check('bit: binary_quantize(half)::bit(4) <~> ... is an hnsw bit_hamming_ops expression index scan', () =>
    assert.match(bqplan.rows.map((r) => r['QUERY PLAN']).join('\n'), /Index Scan using node_half_bq /));
  check(`bit: its ${cands.length} candidates (quantized as ${bitsOf(hq)}) re-ranked by <->: the exact 5`, () => {
    assert.ok(cands.length >= 5, `only ${cands.length} candidates`);
    assert.deepEqual(bqres.rows.map((r) => r.id), cands.slice(0, 5).map((c) => c.id));
    bqres.rows.forEach((r, k) => assert.ok(Math.abs(r.d - cands[k].d) < 1e-5, `row ${r.id}: ${r.d} vs ${cands[k].d}`));
  });
  await client.query('DROP TABLE node_half');
  await client.end();
  console.log(`node-postgres ${require('pg/package.json').version} + pgvector ${require('pgvector/package.json').version}: ${checks} checks passed`);
}

main().catch((e) => {
  console.error(`node-postgres client test FAILED: ${e.stack || e}`);
  process.exit(1);
});
