#!/usr/bin/python3
"""psycopg 3 (Debian's python3-psycopg) against ruvector's compatibility
extension `vector`, in pgvector's binary wire format: the type is looked up
by name (TypeInfo.fetch), a small dumper and loader speak the format (int16
dimensions, int16 zero, float4 elements, big-endian), rows go in as binary
parameters and through binary COPY, and come back in binary.  Run by run.sh,
which names the database (PGDATABASE) and has created ruvector in it;
connection from the usual PG* environment.  Exit status 0 when every check
passes."""

import math
import struct
import sys

import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo

DIM = 6
ROWS = 400


class Vector(tuple):
    """A vector to send as pgvector's type (a tuple of floats)."""


def row_vector(i):
    """A deterministic vector per row, exact in float4."""
    return Vector(((i * 5 + j * 11) % 13) / 4 - 1.5 for j in range(DIM))


def encode(v):
    """pgvector's binary format."""
    return struct.pack(f">hh{len(v)}f", len(v), 0, *v)


def decode(data):
    """pgvector's binary format -> list of floats, checking its framing."""
    dim, unused = struct.unpack_from(">hh", data)
    if unused != 0 or len(data) != 4 + 4 * dim:
        raise ValueError(f"malformed binary vector: dim {dim}, reserved {unused}, {len(data)} bytes")
    return list(struct.unpack_from(f">{dim}f", data, 4))


def register(conn):
    """Look the type up by name and teach the connection its binary format."""
    info = TypeInfo.fetch(conn, "vector")
    if info is None:
        raise RuntimeError("type vector not found")
    info.register(conn)

    class VectorBinaryDumper(Dumper):
        format = Format.BINARY
        oid = info.oid

        def dump(self, obj):
            return encode(obj)

    class VectorBinaryLoader(Loader):
        format = Format.BINARY

        def load(self, data):
            return decode(bytes(data))

    class VectorTextLoader(Loader):
        format = Format.TEXT

        def load(self, data):
            text = bytes(data).decode()
            return [float(x) for x in text.strip("[]").split(",")]

    conn.adapters.register_dumper(Vector, VectorBinaryDumper)
    conn.adapters.register_loader(info.oid, VectorBinaryLoader)
    conn.adapters.register_loader(info.oid, VectorTextLoader)
    return info


class SparseVector:
    """A sparse vector to send as pgvector's sparsevec: dimensions and a
    {0-based index: value} dict of its non-zero elements."""

    def __init__(self, dim, elements):
        self.dim = dim
        self.elements = {i: v for i, v in sorted(elements.items()) if v != 0}

    def __eq__(self, other):
        return isinstance(other, SparseVector) and (self.dim, self.elements) == (other.dim, other.elements)

    def __repr__(self):
        return f"SparseVector({self.dim}, {self.elements})"


def encode_sparse(s):
    """pgvector's binary sparsevec: int32 dim, nnz, 0, 0-based int32 indices, float4 values."""
    idx = list(s.elements)
    return struct.pack(f">iii{len(idx)}i{len(idx)}f", s.dim, len(idx), 0, *idx,
                       *(s.elements[i] for i in idx))


def decode_sparse(data):
    """pgvector's binary sparsevec -> SparseVector, checking its framing."""
    dim, nnz, unused = struct.unpack_from(">iii", data)
    if unused != 0 or len(data) != 12 + 8 * nnz:
        raise ValueError(f"malformed binary sparsevec: nnz {nnz}, reserved {unused}, {len(data)} bytes")
    idx = struct.unpack_from(f">{nnz}i", data, 12)
    val = struct.unpack_from(f">{nnz}f", data, 12 + 4 * nnz)
    return SparseVector(dim, dict(zip(idx, val)))


def register_sparse(conn):
    """sparsevec by name, with pgvector's binary format both ways."""
    info = TypeInfo.fetch(conn, "sparsevec")
    if info is None:
        raise RuntimeError("type sparsevec not found")
    info.register(conn)

    class SparseBinaryDumper(Dumper):
        format = Format.BINARY
        oid = info.oid

        def dump(self, obj):
            return encode_sparse(obj)

    class SparseBinaryLoader(Loader):
        format = Format.BINARY

        def load(self, data):
            return decode_sparse(bytes(data))

    conn.adapters.register_dumper(SparseVector, SparseBinaryDumper)
    conn.adapters.register_loader(info.oid, SparseBinaryLoader)
    return info


def row_sparse(i):
    """A deterministic sparse vector of 100,000 dimensions per row, exact in float4."""
    return SparseVector(100000, {(i * 37 + k * 9973) % 100000: ((i + k) % 9) / 2 - 2 for k in range(i % 7)})


def cosine_distance(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return 1 - dot / (na * nb)


def main():
    checks = []

    def check(what, ok, detail=""):
        if not ok:
            raise AssertionError(f"{what}: {detail}")
        checks.append(what)
        print(f"  ok: {what}")

    with psycopg.connect(autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        info = register(conn)
        check("CREATE EXTENSION IF NOT EXISTS vector; TypeInfo.fetch finds the type by name",
              info.name == "vector" and info.oid > 0, str(info))

        conn.execute("DROP TABLE IF EXISTS py_items")
        conn.execute(f"CREATE TABLE py_items (id integer PRIMARY KEY, embedding vector({DIM}))")

        # binary parameters (%b), one row at a time
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO py_items (id, embedding) VALUES (%s, %b)",
                            [(i, row_vector(i)) for i in range(1, 101)])
        # binary COPY for the rest
        with conn.cursor() as cur:
            with cur.copy("COPY py_items (id, embedding) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["int4", "vector"])
                for i in range(101, ROWS + 1):
                    copy.write_row((i, row_vector(i)))
        n = conn.execute("SELECT count(*) FROM py_items").fetchone()[0]
        check("rows written as binary parameters and binary COPY", n == ROWS, f"{n} rows")

        # binary results
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT id, embedding FROM py_items ORDER BY id")
            rows = cur.fetchall()
        check("binary results equal the vectors sent",
              all(list(row_vector(i)) == v for i, v in rows), str(rows[:2]))
        text = conn.execute("SELECT embedding FROM py_items WHERE id = 5").fetchone()[0]
        check("text results equal them too", text == list(row_vector(5)), str(text))
        raw = conn.execute("SELECT vector_send(embedding) FROM py_items WHERE id = 9").fetchone()[0]
        check("the server's bytes are pgvector's wire format", bytes(raw) == encode(row_vector(9)),
              bytes(raw).hex())

        # a framework's similarity search: hnsw, cosine, ef_search
        conn.execute("CREATE INDEX ON py_items USING hnsw (embedding vector_cosine_ops) "
                     "WITH (m = 16, ef_construction = 64)")
        conn.execute("ANALYZE py_items")
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET hnsw.ef_search = 1000")
        query = Vector((0.25, -1.0, 0.5, 1.5, -0.75, 0.0))
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT id FROM py_items ORDER BY embedding <=> %b LIMIT 10", [query]))
        check("ORDER BY embedding <=> %b LIMIT 10 is an hnsw index scan",
              "Index Scan using py_items_embedding_idx" in plan, plan)
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT id, embedding, embedding <=> %b FROM py_items "
                        "ORDER BY embedding <=> %b LIMIT 10", [query, query])
            got = cur.fetchall()
        exact = sorted(cosine_distance(row_vector(i), query) for i in range(1, ROWS + 1))[:10]
        check("top 10 at hnsw.ef_search = 1000 are the exact top 10 (distances)",
              len(got) == 10 and all(abs(d - e) < 1e-6 for (_, _, d), e in zip(got, exact)),
              f"{[r[2] for r in got]} vs {exact}")
        check("with their vectors, in binary", all(v == list(row_vector(i)) for i, v, _ in got))
        setting = conn.execute("SHOW hnsw.ef_search").fetchone()[0]
        check("SHOW hnsw.ef_search", setting == "1000", setting)

        # malformed binary input is refused with invalid_binary_representation
        class BadDumper(Dumper):
            format = Format.BINARY
            oid = info.oid

            def dump(self, obj):
                return struct.pack(">hh2f", 3, 0, 1.0, 2.0)   # says 3, carries 2

        class Bad(tuple):
            pass

        conn.adapters.register_dumper(Bad, BadDumper)
        try:
            conn.execute("SELECT %b::vector", [Bad((1.0, 2.0))])
            state = None
        except psycopg.Error as e:
            state = e.sqlstate
        check("a truncated binary vector fails with SQLSTATE 22P03", state == "22P03", str(state))
        try:
            conn.execute("INSERT INTO py_items VALUES (%s, %b)", [0, Vector((1.0, 2.0))])
            state = None
        except psycopg.Error as e:
            state = e.sqlstate
        check("a 2-dimension vector in a vector(6) column fails with SQLSTATE 22000",
              state == "22000", str(state))

        conn.execute("DROP TABLE py_items")

        # sparsevec in pgvector's binary format: parameters, COPY, results
        sinfo = register_sparse(conn)
        conn.execute("DROP TABLE IF EXISTS py_sparse")
        conn.execute("CREATE TABLE py_sparse (id integer PRIMARY KEY, embedding sparsevec(100000))")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO py_sparse (id, embedding) VALUES (%s, %b)",
                            [(i, row_sparse(i)) for i in range(1, 31)])
            with cur.copy("COPY py_sparse (id, embedding) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["int4", "sparsevec"])
                for i in range(31, 61):
                    copy.write_row((i, row_sparse(i)))
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT id, embedding FROM py_sparse ORDER BY id")
            srows = cur.fetchall()
        check("sparsevec: binary parameters and COPY in, binary results out, the same values",
              len(srows) == 60 and all(row_sparse(i) == v for i, v in srows), str(srows[:2]))
        raw = conn.execute("SELECT sparsevec_send(embedding) FROM py_sparse WHERE id = 12").fetchone()[0]
        check("sparsevec: the server's bytes are pgvector's wire format",
              bytes(raw) == encode_sparse(row_sparse(12)), bytes(raw).hex())
        text = conn.execute("SELECT embedding::text FROM py_sparse WHERE id = 5").fetchone()[0]
        want = "{" + ",".join(f"{i + 1}:{v:g}" for i, v in row_sparse(5).elements.items()) + "}/100000"
        check("sparsevec: text form {index:value,...}/dim with 1-based indices", text == want, text)
        q = row_sparse(6)
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT id, embedding <-> %b FROM py_sparse ORDER BY embedding <-> %b, id LIMIT 5",
                        [q, q])
            near = cur.fetchall()

        def l2(a, b):
            keys = set(a.elements) | set(b.elements)
            return math.sqrt(sum((a.elements.get(k, 0) - b.elements.get(k, 0)) ** 2 for k in keys))
        exact = sorted((l2(row_sparse(i), q), i) for i in range(1, 61))[:5]
        check("sparsevec: ORDER BY embedding <-> %b gives the exact nearest rows and distances",
              [i for i, _ in near] == [i for _, i in exact]
              and all(abs(d - e) < 1e-9 for (_, d), (e, _) in zip(near, exact)), f"{near} vs {exact}")
        try:
            conn.execute("SELECT %b::sparsevec", [SparseVector(3, {5: 1.0})])
            state = None
        except psycopg.Error as e:
            state = e.sqlstate
        check("sparsevec: an index beyond the dimensions fails with SQLSTATE 22000", state == "22000",
              str(state))
        try:
            conn.execute("CREATE INDEX ON py_sparse USING hnsw (embedding sparsevec_l2_ops)")
            state = None
        except psycopg.Error as e:
            state = e.sqlstate
        check("sparsevec: an hnsw index on sparsevec(100000), past the indexes' 16,000 dimensions, "
              "fails with SQLSTATE 54000", state == "54000", str(state))
        conn.execute("DROP TABLE py_sparse")
        check("sparsevec: TypeInfo.fetch finds it", sinfo.oid > 0, str(sinfo))
    print(f"psycopg {psycopg.__version__} (binary dumper/loader): {len(checks)} checks passed")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a clear one-line verdict, then the details
        print(f"psycopg client test FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
