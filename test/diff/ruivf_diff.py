#!/usr/bin/env python3
#
# ruivf_diff.py
#	  A randomized, seeded differential test of the ruivf index: every query
#	  read through the index is checked against the exact answer of the
#	  plan without it.
#
# Usage: ruivf_diff.py [--seed N] [--time-budget SECONDS] [--cases N]
#                      [--scenario I] [--skip FORM,...] [--show N]
#                      [--set SETTING=VALUE] [--trace] [--keep]
# Connects with libpq's environment (PGHOST, PGPORT, PGUSER, PGDATABASE),
# creates the extension if missing, and works in a schema of its own
# (ruivf_diff), which it drops at the start and at the end.  Prints its seed
# first, a block per failure (with the seed and how to replay it), one line
# per scenario, and ends with "N passed, N failed" (cases: a case is one
# query checked against the exact answer).  Exit status 1 if a case failed.
#
# The run is a sequence of scenarios, scenario I drawing everything from a
# generator seeded with (seed, I), so "--seed S --scenario I" replays one
# scenario whatever the time budget or the scenarios before it.  Scenario
# kinds: one table (most), a partitioned table (scenarios 2, 12, 22, ...),
# and 9 to 12 tables whose indexes are read by cursors open at once
# (scenarios 5, 15, 25, ...).
#
# The exact answer: the query's rows and their distances read with the index
# disabled (enable_indexscan, enable_bitmapscan off, a sequential scan, no
# ORDER BY), sorted here in float64 with NULL and NaN distances last, as
# PostgreSQL sorts them.  The distances of the rows the index returns are
# those of the same operator on the same rows, so they must be equal to the
# exact scan's; comparisons between different rows allow a slack for float4
# rounding (TOL_REL of the distance plus TOL_REL of a scale: L2 |x| + |q|,
# L1 (|x| + |q|) sqrt(dim), inner product |x| |q|, cosine 1, over the largest
# |x| of the table).
#
# Invariants checked per case (a case fails on the first broken one, with
# up to three problems shown):
#	1. Order: the rows come in non-decreasing exact distance (within the
#	   slack; NaN last) whenever the scan stays within its first round of
#	   lists: every list is read in it (min(probes, max_probes) >= lists),
#	   or iterative_scan is off (one round), or strict_order.  With
#	   relaxed_order and fewer lists in the first round, rows of later
#	   rounds may be nearer than rows returned, so order is not checked.
#	2. Same rows: when every list is read in the first round, the rows at
#	   each position have the exact scan's distance at that position, and
#	   every row of the exact answer strictly inside the boundary distances
#	   is returned (rows tied at the boundary may be any of the tied rows).
#	3. Visibility: every row returned is a row the exact scan sees (passing
#	   the WHERE filter), at most once: rows deleted (committed, or in this
#	   transaction), old versions of updated rows, and rows another
#	   transaction inserted without committing never appear.
#	4. Row count.  Rows whose vector is NULL are not in the index, so an
#	   index scan never returns them: with nn the rows of the exact answer
#	   with a non-NULL vector, k the LIMIT and o the OFFSET, the index
#	   returns exactly min(k, max(nn - o, 0)) rows when it may read every
#	   list (every list in the first round; or relaxed_order, max_probes -1
#	   or >= lists, max_scan_tuples 0), and at most that otherwise
#	   (iterative_scan off, a max_probes cap, max_scan_tuples, and
#	   strict_order, which may skip rows).  A NULL query vector (a generic
#	   plan's parameter, a lateral join's NULL row) is the exception: the
#	   plan without the index returns min(k, max(n - o, 0)) rows of the n
#	   passing the filter, all with NULL distances; the index must return
#	   at least min(k, max(nn - o, 0)) (it holds only the nn) and at most
#	   min(k, max(n - o, 0)), every one with a NULL distance, none twice.
#	5. Errors: none, except a query vector of other dimensions, which must
#	   fail with SQLSTATE 22000 (table and query both non-empty), never
#	   crash or return rows.
# The index is forced with enable_seqscan off (and the planner hook's
# ruvector.exact_scan_threshold 0); a quarter of the cases allow parallel
# scans of it (max_parallel_workers_per_gather 2, no setup or tuple cost,
# with or without the leader's participation: the promises above hold for
# the rows Gather Merge merges from the participants); besides, once per
# table and form, EXPLAIN must show the index (a Merge
# Append of its partitions' index scans for a partitioned table); a form
# that does not use it is a failure of the test itself ("plan").
#
# Forms (--skip takes these names): limit, offset, filter, cursor, generic,
# nullq, wrongdim, lateral, visibility, partition, manyidx.
#
# test/diff/README.md says how to run it and replay a seed.
#

import argparse
import math
import random
import re
import struct
import sys
import time
from collections import defaultdict

try:
	import psycopg
except ImportError:
	sys.stderr.write("ruivf_diff.py needs psycopg 3 (Debian: apt-get install python3-psycopg)\n")
	sys.exit(2)

FORMS = ("limit", "offset", "filter", "cursor", "generic", "nullq", "wrongdim",
		 "lateral", "visibility", "partition", "manyidx")
# forms of a one-table scenario, with their weights
TABLE_FORMS = (("limit", 6), ("offset", 3), ("filter", 3), ("cursor", 3), ("generic", 3),
			   ("nullq", 1), ("wrongdim", 1), ("lateral", 2), ("visibility", 1))
OPS = {
	"l2": ("ruvector_l2_ops", "<->"),
	"ip": ("ruvector_ip_ops", "<#>"),
	"cos": ("ruvector_cosine_ops", "<=>"),
	"l1": ("ruvector_l1_ops", "<+>"),
}
TOL_REL = 2e-5
OTHER_TXN_BASE = 1000000		# ids another transaction inserts, never committed
OWN_TXN_BASE = 2000000			# ids this transaction inserts, rolled back
SCHEMA = "ruivf_diff"
# --set: settings every case uses, by Settings attribute
FORCED = {}
GUC_ATTR = {"probes": ("probes", int), "max_probes": ("max_probes", int),
			"iterative_scan": ("iterative", str), "rerank_factor": ("rerank_factor", int),
			"max_scan_tuples": ("max_scan_tuples", int),
			"check_bounds": ("check_bounds", lambda v: v in ("on", "true", "1")), "simd": ("simd", str),
			"epsilon": ("epsilon", float),
			"parallel": ("parallel", lambda v: v in ("on", "true", "1"))}


class ScenarioAbort(Exception):
	"""The connection was lost: the scenario cannot go on."""


class OutOfBudget(Exception):
	"""The time budget or the case limit is spent."""


def f32(vals):
	"""vals rounded to float4, as the table stores them"""
	n = len(vals)
	return list(struct.unpack("%df" % n, struct.pack("%df" % n, *vals)))


def vtext(vec):
	"""a vector's text form (float4 round-trips with 9 digits)"""
	return "[" + ",".join("%.9g" % x for x in vec) + "]"


def vlit(vec):
	"""a vector as an SQL literal"""
	return "'" + vtext(vec) + "'::ruvector"


def vnorm(vec):
	return math.sqrt(math.fsum(x * x for x in vec))


def isnan(d):
	return d is not None and d != d


def dkey(d):
	"""PostgreSQL's float8 order: numbers, then NaN, then NULL"""
	if d is None:
		return (2, 0.0)
	if d != d:
		return (1, 0.0)
	return (0, d)


def same_dist(a, b):
	return a == b or (isnan(a) and isnan(b)) or (a is None and b is None)


def short_sql(sql):
	"""sql with its vector literals cut to their first values"""
	def cut(m):
		vals = m.group(1).split(",")
		if len(vals) <= 4:
			return m.group(0)
		return "'[" + ",".join(vals[:3]) + ",... (%d values)]'" % len(vals)
	s = re.sub(r"'\[([^\]]*)\]'", cut, sql)
	return re.sub(r"\s+", " ", s).strip()


def problem_kind(p):
	"""the kind of a problem, for the summary"""
	m = re.match(r"unexpected error (\w+)", p)
	if m:
		return "error " + m.group(1)
	for pat, kind in (("dimensions (index", "wrong dimensions"), ("out of order", "order"), ("NULL query", "NULL query"), ("rows, want", "row count"),
					  ("at most", "row count"), ("not a row this query", "invisible row"),
					  ("uncommitted", "invisible row"), ("twice", "duplicate row"), ("NULL vector", "NULL-vector row"),
					  ("the exact answer", "other rows than exact"), ("the exact scan's", "distance"),
					  ("test bug", "plan"), ("connection lost", "crash")):
		if pat in p:
			return kind
	return "other"


class Gen:
	"""Draws the vectors of one table's data set."""

	def __init__(self, rng, dim, kind, scale):
		self.rng = rng
		self.dim = dim
		self.kind = kind
		self.scale = scale
		self.sphere = False		# rows of one norm (set by new_table)
		if kind == "clustered":
			self.centers = [[rng.uniform(-1, 1) for _ in range(dim)]
							for _ in range(rng.randint(2, 12))]
			self.sigma = rng.choice([0.01, 0.05, 0.2])
		if kind == "skewed":
			# per-dimension offsets and spreads; some dimensions constant
			self.off = [rng.uniform(-2, 2) for _ in range(dim)]
			self.spread = [0.0 if rng.random() < 0.15 else rng.choice([0.01, 0.3, 1, 5])
						   for _ in range(dim)]

	def one(self, far=False):
		r, d = self.rng, self.dim
		if self.kind == "uniform":
			v = [r.uniform(-1, 1) for _ in range(d)]
		elif self.kind == "clustered":
			c = r.choice(self.centers)
			v = [x + r.gauss(0, self.sigma) for x in c]
		elif self.kind == "grid":
			v = [float(r.randint(-2, 2)) for _ in range(d)]
		else:
			v = [o + s * r.uniform(-1, 1) for o, s in zip(self.off, self.spread)]
		if self.sphere:
			n = math.sqrt(sum(x * x for x in v))
			v = [x / n for x in v] if n > 0 else v
		m = self.scale * (r.choice([8.0, 30.0]) if far else 1.0)
		if self.kind == "grid" and not far:
			return f32(v)
		return f32([x * m for x in v])


class Table:
	"""One table (or partitioned table) with a ruivf index, and its rows."""

	def __init__(self, name, dim, metric, bits, rerank, gen):
		self.name = name
		self.idx = name + "_idx"
		self.dim = dim
		self.metric = metric
		self.opclass, self.op = OPS[metric]
		self.bits = bits
		self.rerank = rerank
		self.gen = gen
		self.rows = {}			# id -> (cat, vector or None), as committed
		self.next_id = 1
		self.lists = 1			# lists of the index (the most of its partitions)
		self.leaf_idx = [self.idx]
		self.build = ""
		self.lists_opt = None
		self.lists_fixed = False
		self.partitions = 0
		self.shared_lists = False
		self.version = 0		# bumped whenever rows change
		self.norm_cache = (-1, 0.0)

	def desc(self):
		nulls = sum(1 for c, v in self.rows.values() if v is None)
		s = "%s dim=%d metric=%s bits=%d rerank=%s rows=%d (NULL %d) lists=%d (option %s) build=%s data=%s scale=%g" % (
			self.name, self.dim, self.metric, self.bits, self.rerank or "auto", len(self.rows), nulls,
			self.lists, self.lists_opt, self.build,
			self.gen.kind + ("/sphere" if self.gen.sphere else ""), self.gen.scale)
		if self.partitions:
			s += " partitions=%d" % self.partitions
			if self.shared_lists:
				s += " shared_lists"
		return s

	def maxnorm(self):
		"""the largest |x| of the rows (cached until the rows change)"""
		if self.norm_cache[0] != self.version:
			self.norm_cache = (self.version, max([vnorm(v) for c, v in self.rows.values()
												  if v is not None] or [0.0]))
		return self.norm_cache[1]

	def knn_sql(self, qexpr, k=None, off=0, where=None, alias=None):
		t = alias + "." if alias else ""
		s = "SELECT %sid, %sv %s %s AS d FROM %s%s" % (t, t, self.op, qexpr, self.name,
													   " " + alias if alias else "")
		if where:
			s += " WHERE " + where
		s += " ORDER BY %sv %s %s" % (t, self.op, qexpr)
		if k is not None:
			s += " LIMIT %d" % k
		if off:
			s += " OFFSET %d" % off
		return s


class Settings:
	"""ruivf settings of one case, and what they promise."""

	def __init__(self, rng, lists, exact_share=0.55, fixed=True, parallel_ok=True):
		L = max(lists, 1)
		if not fixed:
			# the index may train more lists meanwhile: "every list" only as
			# 32768 or -1, no promise from a count of lists
			if rng.random() < exact_share or L == 1:
				self.probes = 32768
				self.max_probes = rng.choice([-1, -1, 32768])
			else:
				self.probes = rng.randint(1, L - 1)
				self.max_probes = rng.choice([-1, -1, -1, -1, self.probes])
		elif rng.random() < exact_share or L == 1:
			self.probes = min(32768, rng.choice([L, L, L + 1, 2 * L, 32768]))
			self.max_probes = rng.choice([-1, -1, -1, L, 32768])
		else:
			self.probes = rng.randint(1, L - 1)
			self.max_probes = rng.choice([-1, -1, -1, -1, self.probes, rng.randint(1, L)])
		self.iterative = rng.choice(["relaxed_order", "relaxed_order", "strict_order", "off"])
		self.rerank_factor = rng.choice([1, 1, 2, 4, 4, 10, 1000])
		self.max_scan_tuples = 0 if rng.random() < 0.7 else rng.choice([1, 50, 500, rng.randint(1, 5000)])
		self.check_bounds = rng.random() < 0.15
		# binary codes' bounds hold always from sqrt(6 dim) (105.4 at their
		# 1,852 dimensions); below, only most of the time: no exact promise
		self.epsilon = rng.choice([106, 1000])
		self.simd = "scalar" if rng.random() < 0.15 else "auto"
		# a parallel scan (forced: no setup or tuple cost) by the leader and
		# two workers, or two workers alone; the promises are the same.  Not
		# on a partitioned table: at no cost the planner sorts a Parallel
		# Append of its partitions' scans instead of the Merge Append the
		# plan check expects
		self.parallel = rng.random() < 0.25 and parallel_ok
		self.leader = rng.random() < 0.5
		for name, val in FORCED.items():
			setattr(self, name, val)
		mp = L if self.max_probes < 0 else min(max(self.max_probes, 1), L)
		if not fixed and 0 < self.max_probes < 32768:
			mp = self.max_probes	# < L: no promise either way
		if self.iterative == "off":
			mp = min(self.probes, L)
		first = min(self.probes, mp)
		# every list is read in the first round
		self.all_first = first >= L
		# the scan may read every list
		self.may_go_on = self.all_first or (self.iterative == "relaxed_order" and mp >= L
											and self.max_scan_tuples == 0)
		self.ordered = self.all_first or self.iterative in ("strict_order", "off")

	def gucs(self):
		return {
			"ruvector.probes": str(self.probes),
			"ruvector.max_probes": str(self.max_probes),
			"ruvector.iterative_scan": self.iterative,
			"ruvector.rerank_factor": str(self.rerank_factor),
			"ruvector.max_scan_tuples": str(self.max_scan_tuples),
			"ruvector.check_bounds": "on" if self.check_bounds else "off",
			"ruvector.simd": self.simd,
			"ruvector.epsilon": str(self.epsilon),
			"max_parallel_workers_per_gather": "2" if self.parallel else "0",
			"parallel_leader_participation": "on" if self.leader else "off",
		}

	def desc(self):
		return " ".join("%s=%s" % (k.split(".")[-1], v) for k, v in self.gucs().items()
						if not k.startswith(("max_parallel", "parallel_")) or self.parallel)


class Truth:
	"""The exact answer: every row the query may return, with its distance."""

	def __init__(self, rows):
		self.dist = {}			# id -> distance (None: NULL)
		self.nullvec = set()	# ids whose vector is NULL
		for i, d, isnull in rows:
			self.dist[i] = d
			if isnull:
				self.nullvec.add(i)
		# non-NULL distances (NaN included), in PostgreSQL's order
		self.order = sorted(((d, i) for i, d, n in rows if d is not None), key=lambda e: dkey(e[0]))
		self.nall = len(self.dist)
		self.nn = self.nall - len(self.nullvec)


class Runner:
	def __init__(self, args):
		self.args = args
		self.seed = args.seed
		self.skip = set(args.skip)
		self.t0 = time.monotonic()
		self.passed = 0
		self.failed = 0
		self.form_stats = defaultdict(lambda: [0, 0])
		self.kinds = defaultdict(int)	# failures by their first problem
		self.shown = defaultdict(int)
		self.conn = None
		self.conn2 = None
		self.gucs = {}
		self.scenario = 0
		self.case_in_scenario = 0
		self.scenario_failed = 0
		self.scenario_cases = 0
		self.explained = set()
		self.supported_simd = ["auto"]

	# ---- connections and statements ---------------------------------

	def connect(self):
		for attempt in range(60):
			try:
				# prepare_threshold None: psycopg prepares nothing itself
				# (it would DEALLOCATE ALL after a failed transaction)
				self.conn = psycopg.connect(autocommit=True, prepare_threshold=None)
				self.conn2 = psycopg.connect(autocommit=True, prepare_threshold=None)
				break
			except psycopg.OperationalError:
				if attempt == 59:
					raise
				time.sleep(1)
		self.gucs = {}
		for stmt in ("SET client_min_messages = warning",
					 "SET max_parallel_workers_per_gather = 0",
					 "SET max_parallel_maintenance_workers = 0",
					 # parallel scans whenever a case allows them (Settings.parallel)
					 "SET parallel_setup_cost = 0",
					 "SET parallel_tuple_cost = 0",
					 "SET min_parallel_index_scan_size = 0",
					 "SET ruvector.exact_scan_threshold = 0",
					 "SET search_path = %s, public" % SCHEMA):
			self.conn.execute(stmt)
			self.conn2.execute(stmt)

	def reconnect(self):
		for c in (self.conn, self.conn2):
			try:
				c.close()
			except Exception:
				pass
		time.sleep(2)
		self.connect()

	def q(self, sql, conn=None):
		"""Run a statement; its rows (or None)."""
		conn = conn or self.conn
		if self.args.trace:
			sys.stderr.write("%s> %s\n" % ("" if conn is self.conn else "2", short_sql(sql)))
		try:
			cur = conn.execute(sql)
			return cur.fetchall() if cur.description is not None else None
		except psycopg.OperationalError as e:
			if conn.closed or conn.broken:
				raise ScenarioAbort("connection lost: %s" % str(e).strip())
			raise
		except psycopg.InterfaceError as e:
			raise ScenarioAbort("connection lost: %s" % str(e).strip())

	def rollback_if_needed(self, conn=None):
		"""End a transaction block left open; the SETs made in it are undone."""
		conn = conn or self.conn
		try:
			if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
				conn.execute("ROLLBACK")
				if conn is self.conn:
					self.gucs = {}
		except psycopg.Error:
			pass

	def set_gucs(self, gucs):
		"""SET what differs from the session's settings, in one round trip."""
		changed = [(k, v) for k, v in gucs.items() if self.gucs.get(k) != v]
		if changed:
			self.q("; ".join("SET %s = '%s'" % kv for kv in changed))
			self.gucs.update(changed)

	def index_mode(self, settings=None):
		g = {"enable_seqscan": "off", "enable_indexscan": "on", "enable_bitmapscan": "on",
			 "plan_cache_mode": "auto"}
		if settings:
			g.update(settings.gucs())
		self.set_gucs(g)

	def exact_mode(self):
		self.set_gucs({"enable_seqscan": "on", "enable_indexscan": "off", "enable_bitmapscan": "off"})

	def truth(self, t, qexpr, where=None):
		"""The exact answer for query vector qexpr (SQL), as this transaction sees it."""
		self.exact_mode()
		# one text value: loading many rows one by one costs more here
		# than the scan (float8's text form round-trips)
		sql = ("SELECT string_agg(id || ':' || coalesce((v %s %s)::text, 'N') || ':' || (v IS NULL)::int, ',') FROM %s"
			   % (t.op, qexpr, t.name))
		if where:
			sql += " WHERE " + where
		rows = []
		text = self.q(sql)[0][0]
		for item in (text.split(",") if text else []):
			i, d, isnull = item.split(":")
			rows.append((int(i), None if d == "N" else float(d), isnull == "1"))
		return Truth(rows)

	# ---- budget and recording ----------------------------------------

	def check_budget(self):
		a = self.args
		if a.cases and self.passed + self.failed >= a.cases:
			raise OutOfBudget()
		if a.time_budget and time.monotonic() - self.t0 >= a.time_budget:
			raise OutOfBudget()

	def replay_hint(self):
		s = "python3 test/diff/ruivf_diff.py --seed %d --scenario %d" % (self.seed, self.scenario)
		if self.skip:
			s += " --skip " + ",".join(sorted(self.skip))
		return s

	def record(self, form, problems, table=None, settings=None, sql=None):
		"""Count one case; print it when it failed."""
		self.case_in_scenario += 1
		self.scenario_cases += 1
		st = self.form_stats[form]
		if not problems:
			self.passed += 1
			st[0] += 1
			return True
		self.failed += 1
		kind = problem_kind(problems[0])
		self.kinds[kind] += 1
		self.scenario_failed += 1
		st[1] += 1
		self.shown[form, kind] += 1
		if self.shown[form, kind] <= self.args.show:
			print("FAIL seed=%d case=%d.%d form=%s: %s" % (self.seed, self.scenario, self.case_in_scenario,
														  form, "; ".join(problems[:3])))
			if table is not None:
				print("    table: %s" % (table if isinstance(table, str) else table.desc()))
			if settings is not None:
				print("    settings: %s" % settings.desc())
			if sql:
				print("    query: %s" % short_sql(sql))
			print("    replay: %s" % self.replay_hint())
		elif self.shown[form, kind] == self.args.show + 1:
			print("FAIL seed=%d form=%s: further failures of this form and kind (%s) are counted, not shown"
				  % (self.seed, form, kind))
		sys.stdout.flush()
		return False

	def expect_plan(self, key, explain_sql, must, form, table, settings=None):
		"""Once per key: EXPLAIN explain_sql must contain each of `must`."""
		if key in self.explained:
			return
		self.explained.add(key)
		plan = "\n".join(r[0] for r in self.q("EXPLAIN (COSTS OFF) " + explain_sql))
		missing = [m for m in must if m not in plan]
		if missing:
			self.record("plan", ["test bug: form %s does not use the index (no %s in its plan): %s"
								 % (form, ", ".join(missing), " | ".join(l.strip() for l in plan.splitlines()))],
						table, settings, explain_sql)

	# ---- the checks ---------------------------------------------------

	def check(self, got, truth, k, off, settings, tol_scale, nullq=False):
		"""Problems of an index answer `got` [(id, d)] against the exact answer."""
		p = []
		seen = set()
		for pos, (i, d) in enumerate(got, 1):
			if i in seen:
				p.append("row %d: id %d returned twice" % (pos, i))
			seen.add(i)
			if i not in truth.dist:
				p.append("row %d: id %d is not a row this query may see (deleted, uncommitted, or filtered out)"
						 % (pos, i))
			elif nullq:
				if d is not None:
					p.append("row %d: id %d has distance %r for a NULL query vector" % (pos, i, d))

			elif truth.dist[i] is None:
				p.append("row %d: id %d has a NULL vector, which the index does not hold" % (pos, i))
			elif not same_dist(d, truth.dist[i]):
				p.append("row %d: id %d distance %r, the exact scan's %r" % (pos, i, d, truth.dist[i]))
			if len(p) >= 3:
				return p
		kk = len(truth.dist) + 1 if k is None else k
		want = max(0, min(kk, len(truth.order) - off))
		if nullq:
			lo = max(0, min(kk, truth.nn - off))
			hi = max(0, min(kk, truth.nall - off))
			if not lo <= len(got) <= hi:
				p.append("%d rows for a NULL query vector, want %s (the plan without the index returns %d)"
						 % (len(got), lo if lo == hi else "%d to %d" % (lo, hi), hi))
			return p
		if settings.may_go_on and len(got) != want:
			p.append("%d rows, want %d (%d rows with a non-NULL vector, LIMIT %s OFFSET %d)"
					 % (len(got), want, len(truth.order), k if k is not None else "ALL", off))
		elif len(got) > want:
			p.append("%d rows, at most %d possible" % (len(got), want))

		def tol(d):
			return TOL_REL * (abs(d) + tol_scale)

		if settings.ordered:
			for pos in range(1, len(got)):
				a, b = got[pos - 1][1], got[pos][1]
				if dkey(b) < dkey(a) and not (dkey(a)[0] == 0 and dkey(b)[0] == 0 and b >= a - tol(a)):
					p.append("rows out of order: row %d (id %d) distance %r < row %d (id %d) distance %r"
							 % (pos + 1, got[pos][0], b, pos, got[pos - 1][0], a))
					break
		if settings.all_first and not p:
			window = truth.order[off:off + want]
			for pos, ((i, d), (ed, ei)) in enumerate(zip(got, window), 1):
				close = same_dist(d, ed) or (dkey(d)[0] == 0 and dkey(ed)[0] == 0 and abs(d - ed) <= tol(ed))
				if not close:
					p.append("row %d: id %d distance %r, the exact answer's row %d has %r (id %d)"
							 % (pos, i, d, pos + off, ed, ei))
					break
			if window and not p:
				lo, hi = window[0][0], window[-1][0]
				for ed, ei in window:
					inside = (dkey(ed)[0] == 0 and dkey(lo)[0] == 0 and dkey(hi)[0] == 0
							  and lo + tol(lo) < ed < hi - tol(hi))
					if inside and ei not in seen:
						p.append("id %d (distance %r) of the exact answer missing, not tied at the boundary %r..%r"
								 % (ei, ed, lo, hi))
						break
		return p

	def tol_scale(self, t, qvec, mx):
		mq = vnorm(qvec) if qvec is not None else 0.0
		if t.metric == "l2":
			return mx + mq
		if t.metric == "l1":
			return (mx + mq) * math.sqrt(t.dim)
		if t.metric == "ip":
			return mx * mq
		return 1.0

	def run_checked(self, form, t, settings, sql, fn):
		"""Run fn() -> problems for one case; an unexpected error is a failure."""
		try:
			problems = fn()
		except ScenarioAbort:
			raise
		except psycopg.Error as e:
			self.rollback_if_needed()
			problems = ["unexpected error %s: %s" % (e.sqlstate, str(e).strip().splitlines()[0])]
		return self.record(form, problems, t, settings, sql)

	# ---- table set-up -------------------------------------------------

	def pick_dim(self, rng):
		r = rng.random()
		if r < 0.45:
			return rng.choice([1, 2, 3, 5, 7, 9, 11, 13, 15, 17] + list(range(1, 17)))
		if r < 0.75:
			d = rng.randint(17, 130)
			return d | 1 if rng.random() < 0.6 else d
		if r < 0.92:
			return rng.choice([rng.randint(131, 800), 255, 257, 511, 513, 784])
		return rng.choice([rng.randint(801, 2000), 1025, 1536, 1999, 2000])

	def pick_rows(self, rng, dim):
		if dim <= 16:
			return rng.choice([rng.randint(20, 300), rng.randint(300, 3000)])
		if dim <= 130:
			return rng.choice([rng.randint(20, 300), rng.randint(300, 2000)])
		if dim <= 800:
			return rng.randint(20, 500)
		return rng.randint(10, 200)

	def new_table(self, rng, name, dim=None, nrows=None, small=False):
		dim = dim or self.pick_dim(rng)
		metric = rng.choice(["l2", "ip", "cos", "l1"])
		kind = rng.choice(["uniform", "clustered", "clustered", "skewed"]
						  + (["grid", "grid"] if dim <= 64 else []))
		scale = rng.choice([1.0, 1.0, 1.0, 1e-3, 1e3])
		# binary codes up to 1,852 dimensions (ivf.h, RUIVF_BIT_MAX_DIM)
		t = Table(name, dim, metric, rng.choice([8, 4, 1] if dim <= 1852 else [8, 4]),
				  rng.choice(["heap", "heap", "index", "index", None]), Gen(rng, dim, kind, scale))
		t.nrows_target = nrows or self.pick_rows(rng, dim)
		t.nullfrac = 0.0 if rng.random() < 0.5 else rng.uniform(0.01, 0.2)
		t.zerofrac = rng.uniform(0.01, 0.05) if rng.random() < (0.3 if metric == "cos" else 0.1) else 0.0
		t.dupfrac = 0.0 if rng.random() < 0.5 else rng.uniform(0.05, 0.3)
		n = t.nrows_target
		t.lists_opt = rng.choice([1, 2, 3, rng.randint(2, 40), max(1, int(math.sqrt(n))),
								  max(1, n // 20), 0, n + 5]) if not small else rng.randint(2, 16)
		# Inner product over rows of one norm, whose index orders its lists by
		# L2 (ivf.h, row_norm); its far rows (x8, x30) are the later rows of
		# other norms.  Drawn from a generator of its own, seeded from the
		# state, so that every other draw, and so every scenario of a seed
		# (606/114 among them), stays as it was; SQ4 left out for the same
		# reason (606/114 is an inner-product SQ4 table).
		side = random.Random(hash(rng.getstate()))
		t.gen.sphere = metric == "ip" and t.bits != 4 and side.random() < 0.5
		self.cur_table = t		# for the scenario line if its set-up fails
		return t

	def make_rows(self, rng, t, n, far_share=0.0):
		"""n new rows of t: [(id, cat, vector or None)]"""
		out = []
		existing = [v for c, v in t.rows.values() if v is not None]
		for _ in range(n):
			i = t.next_id
			t.next_id += 1
			r = rng.random()
			if r < t.nullfrac:
				v = None
			elif r < t.nullfrac + t.zerofrac:
				v = [0.0] * t.dim
			elif r < t.nullfrac + t.zerofrac + t.dupfrac and (existing or out):
				pool = existing if existing and (not out or rng.random() < 0.5) else [o[2] for o in out if o[2]]
				v = rng.choice(pool) if pool else t.gen.one()
			else:
				v = t.gen.one(far=rng.random() < far_share)
			out.append((i, rng.randrange(10), v))
		return out

	def copy_rows(self, t, rows, conn=None):
		conn = conn or self.conn
		try:
			with conn.cursor() as cur:
				with cur.copy("COPY %s (id, cat, v) FROM STDIN" % t.name) as cp:
					for i, c, v in rows:
						cp.write_row((i, c, vtext(v) if v is not None else None))
		except (psycopg.OperationalError, psycopg.InterfaceError) as e:
			if conn.closed or conn.broken:
				raise ScenarioAbort("connection lost: %s" % str(e).strip())
			raise
		if conn is self.conn:
			t.version += 1
			for i, c, v in rows:
				t.rows[i] = (c, v)

	def index_options(self, t):
		opts = ["lists = %d" % t.lists_opt, "bits = %d" % t.bits]
		if t.rerank:
			opts.append("rerank = %s" % t.rerank)
		if t.shared_lists:
			opts.append("shared_lists = on")
		return ", ".join(opts)

	def create_index(self, t):
		self.q("CREATE INDEX %s ON %s USING ruivf (v %s) WITH (%s)"
			   % (t.idx, t.name, t.opclass, self.index_options(t)))
		self.refresh_lists(t)

	def settings_for(self, rng, t):
		"""A case's settings, for the lists the index has now."""
		self.refresh_lists(t)
		return Settings(rng, t.lists, fixed=t.lists_fixed, parallel_ok=not t.partitions)

	def refresh_lists(self, t):
		if t.partitions:
			t.leaf_idx = [r[0] for r in self.q(
				"SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = '%s'::regclass" % t.idx)]
		L = 1
		for ix in t.leaf_idx:
			L = max(L, self.q("SELECT lists FROM ruvector_index_info('%s')" % ix)[0][0])
		t.lists = L
		# an index trains its lists as rows arrive (inserts of any session,
		# src/ivf/ivftrain.c): their number holds only once it is the lists
		# option's (Settings promise nothing that a new count would break)
		t.lists_fixed = bool(t.lists_opt) and L == t.lists_opt

	def build_table(self, rng, t, partitions=0):
		"""Create t, fill it and build its index the way t.build says."""
		self.q("DROP TABLE IF EXISTS %s CASCADE" % t.name)
		if partitions:
			t.partitions = partitions
			# half of the partitioned tables share one set of lists (the
			# range partitions' default is their own), chosen by the name so
			# that every draw of the seed stays as it was
			t.shared_lists = sum(t.name.encode()) % 2 == 1
			self.q("CREATE TABLE %s (id int, cat int NOT NULL, v ruvector(%d)) PARTITION BY RANGE (id)"
				   % (t.name, t.dim))
			n = t.nrows_target
			bounds = sorted(rng.sample(range(1, max(n, partitions) + 1), partitions - 1))
			lo = "MINVALUE"
			for j, b in enumerate(bounds + ["MAXVALUE"]):
				self.q("CREATE TABLE %s_p%d PARTITION OF %s FOR VALUES FROM (%s) TO (%s)"
					   % (t.name, j, t.name, lo, b))
				lo = b
		else:
			self.q("CREATE TABLE %s (id int PRIMARY KEY, cat int NOT NULL, v ruvector(%d))" % (t.name, t.dim))
		n = t.nrows_target
		t.build = rng.choice(["full", "full", "empty", "modify", "modify"])
		if t.build == "full":
			self.copy_rows(t, self.make_rows(rng, t, n))
			self.create_index(t)
		elif t.build == "empty":
			self.create_index(t)
			self.copy_rows(t, self.make_rows(rng, t, n))
		else:
			self.copy_rows(t, self.make_rows(rng, t, max(1, n // 2)))
			self.create_index(t)
			self.copy_rows(t, self.make_rows(rng, t, n - n // 2, far_share=0.05))
			self.mutate(rng, t)
		self.q("ANALYZE %s" % t.name)

	def mutate(self, rng, t):
		"""Committed deletes, updates and inserts after the build; VACUUM or not."""
		t.version += 1
		ids = list(t.rows)
		rng.shuffle(ids)
		ndel = int(len(ids) * rng.uniform(0.05, 0.3))
		dels = ids[:ndel]
		# a third of the time the oldest rows instead (an expiry by age: whole
		# blocks left empty, which VACUUM unlinks), drawn from a generator of
		# its own so that every other draw of the seed stays as it was
		side = random.Random(hash(rng.getstate()))
		if side.random() < 1.0 / 3:
			dels = sorted(ids)[:ndel]
			gone = set(dels)
			ids = dels + [i for i in ids if i not in gone]
		# half the time (same generator) a second ruivf index on the column
		# (one a table: a later mutation may find it there already),
		# of another metric (so that the queries never read it): a VACUUM
		# then runs both indexes' bulk deletes before either's cleanup, and
		# each must unlink its own empty blocks and stay sound
		second = None
		if not t.partitions and side.random() < 0.5:
			second = "%s_b" % t.idx
			self.q("CREATE INDEX IF NOT EXISTS %s ON %s USING ruivf (v %s) WITH (%s)"
				   % (second, t.name,
					  "ruvector_l2_ops" if t.opclass == "ruvector_l1_ops" else "ruvector_l1_ops",
					  self.index_options(t)))
		if dels:
			self.q("DELETE FROM %s WHERE id = ANY('{%s}'::int[])" % (t.name, ",".join(map(str, dels))))
			for i in dels:
				del t.rows[i]
		# moved vectors (new index entries; the old versions die)
		for i in ids[ndel:ndel + int(len(ids) * rng.uniform(0, 0.1))]:
			v = t.gen.one(far=rng.random() < 0.2)
			self.q("UPDATE %s SET v = %s WHERE id = %d" % (t.name, vlit(v), i))
			t.rows[i] = (t.rows[i][0], v)
		# HOT updates of the other column
		hot = ids[ndel:ndel + int(len(ids) * rng.uniform(0, 0.2))]
		if hot:
			self.q("UPDATE %s SET cat = (cat + 1) %% 10 WHERE id = ANY('{%s}'::int[])"
				   % (t.name, ",".join(map(str, hot))))
			for i in hot:
				t.rows[i] = ((t.rows[i][0] + 1) % 10, t.rows[i][1])
		if rng.random() < 0.6:
			self.q("VACUUM %s" % t.name)
			if second is not None:
				# an error here is the scenario's failure (set-up)
				for ix in (t.idx, second):
					self.q("SELECT ruvector_index_check('%s', true)" % ix)
		self.copy_rows(t, self.make_rows(rng, t, int(len(ids) * rng.uniform(0, 0.3)) + 1, far_share=0.05))
		if rng.random() < 0.1:
			self.q("REINDEX INDEX %s" % t.idx)
			self.refresh_lists(t)

	def pick_query(self, rng, t):
		vecs = [v for c, v in t.rows.values() if v is not None]
		r = rng.random()
		if r < 0.3 and vecs:
			return list(rng.choice(vecs))
		if r < 0.4 and vecs:
			v = rng.choice(vecs)
			return f32([x + rng.gauss(0, 1e-3) * (abs(x) + t.gen.scale * 1e-3) for x in v])
		if r < 0.45:
			return [0.0] * t.dim
		return t.gen.one(far=r < 0.5)

	def pick_limit(self, rng, n):
		r = rng.random()
		if r < 0.1:
			return None
		if r < 0.3:
			return 1 if rng.random() < 0.5 else rng.randint(1, 5)
		if r < 0.6:
			return rng.randint(1, 50)
		if r < 0.85:
			return rng.randint(50, 400)
		return rng.choice([rng.randint(400, 1000), max(1, n), n + 10])

	def pick_where(self, rng):
		c = rng.randrange(10)
		return rng.choice(["cat = %d" % c, "cat < %d" % c, "cat <> %d" % c, "cat IN (%d, %d)" % (c, (c + 3) % 10),
						   "id %% %d = %d" % (rng.randint(2, 7), rng.randint(0, 1)), "cat >= %d" % c])

	# ---- one case of each form ----------------------------------------

	def case_plain(self, rng, t, form, where=None):
		"""limit / offset / filter: one SELECT ... ORDER BY ... LIMIT [OFFSET]."""
		settings = self.settings_for(rng, t)
		qv = self.pick_query(rng, t)
		k = self.pick_limit(rng, len(t.rows))
		off = rng.choice([1, 2, 5, rng.randint(1, 100), rng.randint(1, max(1, len(t.rows)))]) \
			if form == "offset" else 0
		sql = t.knn_sql(vlit(qv), k, off, where)

		def run():
			self.index_mode(settings)
			musts = ["Merge Append", "Index Scan"] if t.partitions else ["Index Scan using %s" % t.idx]
			self.expect_plan((t.name, form), sql, musts, form, t, settings)
			got = self.q(sql)
			tr = self.truth(t, vlit(qv), where)
			return self.check(got, tr, k, off, settings, self.tol_scale(t, qv, t.maxnorm()))
		self.run_checked(form if not t.partitions else "partition", t, settings, sql, run)

	def case_cursor(self, rng, t, where=None):
		"""A cursor fetched in pieces of random sizes."""
		settings = self.settings_for(rng, t)
		qv = self.pick_query(rng, t)
		k = self.pick_limit(rng, len(t.rows)) if rng.random() < 0.5 else None
		sql = t.knn_sql(vlit(qv), k, 0, where)
		form = "cursor" if not t.partitions else "partition"

		def run():
			self.index_mode(settings)
			musts = ["Merge Append", "Index Scan"] if t.partitions else ["Index Scan using %s" % t.idx]
			self.expect_plan((t.name, "cursor"), sql, musts, "cursor", t, settings)
			self.q("BEGIN")
			self.q("DECLARE c NO SCROLL CURSOR FOR " + sql)
			got = []
			stop = rng.choice([None, None, rng.randint(1, 200)])
			while True:
				n = rng.choice([1, 1, 2, 3, 7, 10, 50, rng.randint(1, 300)])
				rows = self.q("FETCH %d FROM c" % n)
				got.extend(rows)
				if len(rows) < n or (stop is not None and len(got) >= stop):
					break
			self.q("COMMIT")
			kk = k
			if stop is not None and len(got) >= stop:
				kk = len(got) if k is None else min(k, len(got))
			tr = self.truth(t, vlit(qv), where)
			return self.check(got, tr, kk, 0, settings, self.tol_scale(t, qv, t.maxnorm()))
		self.run_checked(form, t, settings, sql, run)

	def prepare(self, t, where):
		"""The generic plan of a prepared ORDER BY ... LIMIT $2 OFFSET $3; its name."""
		name = t.prepared.get(where)
		if name is None:
			name = "p_%s_%d" % (t.name, len(t.prepared))
			self.q("PREPARE %s(ruvector, bigint, bigint) AS SELECT id, v %s $1 AS d FROM %s%s ORDER BY v %s $1 LIMIT $2 OFFSET $3"
				   % (name, t.op, t.name, " WHERE " + where if where else "", t.op))
			t.prepared[where] = name
		return name

	def case_generic(self, rng, t, nullq=False):
		"""EXECUTE of a prepared statement with a generic plan (plan_cache_mode)."""
		settings = self.settings_for(rng, t)
		where = self.pick_where(rng) if rng.random() < 0.3 else None
		qv = None if nullq else self.pick_query(rng, t)
		k = self.pick_limit(rng, len(t.rows))
		kk = k if k is not None else 2 ** 40
		off = rng.choice([0, 0, 0, rng.randint(1, 20)])
		form = "nullq" if nullq else ("generic" if not t.partitions else "partition")

		def run():
			self.index_mode(settings)
			self.set_gucs({"plan_cache_mode": "force_generic_plan"})
			name = self.prepare(t, where)
			ex = "EXECUTE %s(%s, %d, %d)" % (name, vlit(qv) if qv is not None else "NULL", kk, off)
			musts = ["Merge Append", "Index Scan"] if t.partitions else ["Index Scan using %s" % t.idx]
			self.expect_plan((t.name, "generic", where), ex, musts + ["$1"], form, t, settings)
			got = self.q(ex)
			run.sql = ex
			if nullq:
				tr = self.truth(t, "NULL::ruvector", where)
			else:
				tr = self.truth(t, vlit(qv), where)
			return self.check(got, tr, k, off, settings, self.tol_scale(t, qv, t.maxnorm()), nullq=nullq)
		run.sql = None
		try:
			problems = run()
		except ScenarioAbort:
			raise
		except psycopg.Error as e:
			self.rollback_if_needed()
			problems = ["unexpected error %s: %s" % (e.sqlstate, str(e).strip().splitlines()[0])]
		self.record(form, problems, t, settings, run.sql or "EXECUTE (prepared) %s" % t.knn_sql("$1", k, off, where))

	def case_lateral(self, rng, t, nullq=False):
		"""Query vectors from another table, CROSS JOIN LATERAL (... ORDER BY v <op> q.q LIMIT k)."""
		settings = self.settings_for(rng, t)
		m = rng.randint(1, 6)
		qs = [self.pick_query(rng, t) for _ in range(m)]
		if nullq:
			qs[rng.randrange(m)] = None
		k = self.pick_limit(rng, len(t.rows)) or len(t.rows) + 5
		where = self.pick_where(rng) if rng.random() < 0.25 else None
		inner = t.knn_sql("q.q", k, 0, (where.replace("cat", "t.cat").replace("id %", "t.id %")
										  if where else None), alias="t")
		sql = "SELECT q.qid, n.id, n.d FROM %s_q q CROSS JOIN LATERAL (%s) n" % (t.name, inner)
		form = "nullq" if nullq else "lateral"
		try:
			self.index_mode(settings)
			self.q("TRUNCATE %s_q" % t.name)
			self.q("INSERT INTO %s_q VALUES %s" % (t.name, ", ".join(
				"(%d, %s)" % (j, vlit(v) if v is not None else "NULL") for j, v in enumerate(qs))))
			self.expect_plan((t.name, "lateral"), sql, ["Nested Loop", "Index Scan using %s" % t.idx],
							 form, t, settings)
			rows = self.q(sql)
		except ScenarioAbort:
			raise
		except psycopg.Error as e:
			self.rollback_if_needed()
			self.record(form, ["unexpected error %s: %s" % (e.sqlstate, str(e).strip().splitlines()[0])],
						t, settings, sql)
			return
		groups = defaultdict(list)
		order = []
		for qid, i, d in rows:
			if not order or order[-1] != qid:
				order.append(qid)
			groups[qid].append((i, d))
		split = len(order) != len(set(order))
		for j, v in enumerate(qs):
			def run():
				if split:
					return ["the rows of one outer row are not together: outer rows in order %s" % order[:20]]
				tr = self.truth(t, vlit(v) if v is not None else "NULL::ruvector", where)
				return self.check(groups.get(j, []), tr, k, 0, settings,
								  self.tol_scale(t, v, t.maxnorm()), nullq=v is None)
			self.run_checked("nullq" if v is None else "lateral", t, settings,
							 sql + "  -- outer row qid=%d: %s" % (j, vlit(v) if v is not None else "NULL"), run)

	def case_wrongdim(self, rng, t):
		"""A query vector of other dimensions: SQLSTATE 22000, through each way in."""
		if not any(v is not None for c, v in t.rows.values()):
			return
		settings = self.settings_for(rng, t)
		d = t.dim
		while d == t.dim:
			d = rng.choice([1, 2, t.dim - 1, t.dim + 1, 2 * t.dim, rng.randint(1, 2000)])
			d = max(1, d)
		qv = [0.5] * d
		how = rng.choice(["literal", "generic", "cursor", "lateral"])
		k = rng.randint(1, 50)
		if how == "literal":
			sql = t.knn_sql(vlit(qv), k)
		elif how == "generic":
			sql = "EXECUTE %s(%s, %d, 0)" % ("%s", vlit(qv), k)
		elif how == "cursor":
			sql = "DECLARE c NO SCROLL CURSOR FOR " + t.knn_sql(vlit(qv), k)
		else:
			sql = "SELECT n.id FROM (VALUES (%s)) q(q) CROSS JOIN LATERAL (%s) n" % (
				vlit(qv), t.knn_sql("q.q", k, alias="t"))

		def run():
			self.index_mode(settings)
			s = sql
			if how == "generic":
				self.set_gucs({"plan_cache_mode": "force_generic_plan"})
				s = sql % self.prepare(t, None)
			try:
				if how == "cursor":
					self.q("BEGIN")
					self.q(s)
					rows = self.q("FETCH 10 FROM c")
					self.q("COMMIT")
				else:
					rows = self.q(s)
			except psycopg.Error as e:
				self.rollback_if_needed()
				if isinstance(e, (psycopg.OperationalError, psycopg.InterfaceError)) and self.conn.closed:
					raise ScenarioAbort("connection lost: %s" % str(e).strip())
				if e.sqlstate == "22000":
					return []
				return ["a query vector of %d dimensions (index: %d) failed with %s, want 22000: %s"
						% (d, t.dim, e.sqlstate, str(e).strip().splitlines()[0])]
			return ["a query vector of %d dimensions (index: %d) returned %d rows, want error 22000"
					% (d, t.dim, len(rows))]
		self.run_checked("wrongdim", t, settings, sql, run)

	def case_visibility(self, rng, t):
		"""Rows another transaction inserted, updated or deleted without
		committing; rows this transaction deleted, updated or inserted."""
		settings = self.settings_for(rng, t)
		qv = self.pick_query(rng, t)
		k = self.pick_limit(rng, len(t.rows)) or len(t.rows) + 50
		where = self.pick_where(rng) if rng.random() < 0.2 else None
		sql = t.knn_sql(vlit(qv), k, 0, where)
		ids = list(t.rows)
		other = rng.random() < 0.5
		c2 = self.conn2

		def near(n):
			return [f32([x + rng.gauss(0, 1e-4) * (1 + abs(x)) for x in qv]) if rng.random() < 0.7
					else t.gen.one() for _ in range(n)]

		def run():
			self.index_mode(settings)
			if other:
				# another transaction: its inserts never show; its deletes
				# and updates not yet (the rows are still visible)
				self.q("BEGIN", c2)
				newrows = [(OTHER_TXN_BASE + j, rng.randrange(10), v) for j, v in enumerate(near(rng.randint(1, 30)))]
				self.copy_rows(t, newrows, c2)
				for i in rng.sample(ids, min(len(ids), rng.randint(0, 20))):
					if rng.random() < 0.5:
						self.q("DELETE FROM %s WHERE id = %d" % (t.name, i), c2)
					else:
						self.q("UPDATE %s SET v = %s WHERE id = %d" % (t.name, vlit(near(1)[0]), i), c2)
				got = self.q(sql)
				tr = self.truth(t, vlit(qv), where)
				self.q("ROLLBACK", c2)
				p = ["id %d inserted by an uncommitted transaction returned" % i
					 for i, d in got if i >= OTHER_TXN_BASE][:1]
			else:
				# this transaction: its deletes and moved vectors count, its inserts show
				self.q("BEGIN")
				for i in rng.sample(ids, min(len(ids), rng.randint(0, 30))):
					if rng.random() < 0.6:
						self.q("DELETE FROM %s WHERE id = %d" % (t.name, i))
					else:
						self.q("UPDATE %s SET v = %s WHERE id = %d" % (t.name, vlit(near(1)[0]), i))
				if rng.random() < 0.5:
					newrows = [(OWN_TXN_BASE + j, rng.randrange(10), v) for j, v in enumerate(near(rng.randint(1, 20)))]
					self.copy_rows(t, newrows, self.conn)
					for i, c, v in newrows:
						del t.rows[i]	# rolled back below
					t.version += 1
				got = self.q(sql)
				tr = self.truth(t, vlit(qv), where)
				self.q("ROLLBACK")
				self.gucs = {}
				p = []
			return p + self.check(got, tr, k, 0, settings, self.tol_scale(t, qv, t.maxnorm()) * 2)

		try:
			self.run_checked("visibility", t, settings, sql + ("  -- with another transaction's uncommitted changes"
															   if other else "  -- after this transaction's changes"), run)
		finally:
			self.rollback_if_needed(c2)
			self.rollback_if_needed()

	# ---- scenarios ----------------------------------------------------

	def scenario_table(self, rng):
		t = self.new_table(rng, "t%d" % self.scenario)
		t.prepared = {}
		self.build_table(rng, t)
		self.q("CREATE TABLE %s_q (qid int, q ruvector(%d))" % (t.name, t.dim))
		forms = [(f, w) for f, w in TABLE_FORMS if f not in self.skip]
		phases = rng.randint(1, 3)
		for phase in range(phases):
			if phase:
				self.mutate(rng, t)
			for _ in range(rng.randint(15, 50)):
				self.check_budget()
				if not forms:
					break
				f = rng.choices([f for f, w in forms], [w for f, w in forms])[0]
				if f in ("limit", "offset"):
					self.case_plain(rng, t, f)
				elif f == "filter":
					if rng.random() < 0.5:
						self.case_plain(rng, t, f, self.pick_where(rng))
					else:
						self.case_cursor(rng, t, self.pick_where(rng))
				elif f == "cursor":
					self.case_cursor(rng, t)
				elif f == "generic":
					self.case_generic(rng, t)
				elif f == "nullq":
					if rng.random() < 0.5:
						self.case_generic(rng, t, nullq=True)
					else:
						self.case_lateral(rng, t, nullq=True)
				elif f == "wrongdim":
					self.case_wrongdim(rng, t)
				elif f == "lateral":
					self.case_lateral(rng, t)
				elif f == "visibility":
					self.case_visibility(rng, t)
		return t.desc()

	def scenario_partition(self, rng):
		t = self.new_table(rng, "pt%d" % self.scenario)
		t.prepared = {}
		self.build_table(rng, t, partitions=rng.randint(2, 4))
		for _ in range(rng.randint(15, 40)):
			self.check_budget()
			r = rng.random()
			if r < 0.4:
				self.case_plain(rng, t, "limit")
			elif r < 0.55:
				self.case_plain(rng, t, "offset")
			elif r < 0.7:
				self.case_plain(rng, t, "filter", self.pick_where(rng))
			elif r < 0.85:
				self.case_cursor(rng, t)
			else:
				self.case_generic(rng, t)
		return t.desc()

	def scenario_many(self, rng):
		"""9 to 12 tables; cursors open on all of them at once, fetched interleaved."""
		n = rng.randint(9, 12)
		tabs = []
		for j in range(n):
			t = self.new_table(rng, "m%d_%d" % (self.scenario, j), dim=rng.choice([2, 3, 5, 8, 13, 17, 32]),
							   nrows=rng.randint(60, 600), small=True)
			t.nullfrac = 0.0
			self.build_table(rng, t)
			tabs.append(t)
		for rnd in range(rng.randint(2, 5)):
			self.check_budget()
			L = max(t.lists for t in tabs)
			settings = Settings(rng, L, exact_share=0.5)
			curs = []
			for j, t in enumerate(tabs):
				qv = self.pick_query(rng, t)
				k = rng.choice([None, rng.randint(20, 400)])
				curs.append([t, qv, k, t.knn_sql(vlit(qv), k), [], False])
			try:
				self.index_mode(settings)
				for t, qv, k, sql, got, done in curs:
					self.expect_plan((t.name, "manyidx"), sql, ["Index Scan using %s" % t.idx], "manyidx", t, settings)
				self.q("BEGIN")
				for j, c in enumerate(curs):
					self.q("DECLARE c%d NO SCROLL CURSOR FOR %s" % (j, c[3]))
				# first a few rows from each (every scan started), then
				# round-robin pieces until every cursor is done
				first = True
				while not all(c[5] for c in curs):
					for j, c in enumerate(curs):
						if c[5]:
							continue
						piece = rng.choice([1, 2, 5, 10, 30]) if not first else rng.choice([1, 3])
						rows = self.q("FETCH %d FROM c%d" % (piece, j))
						c[4].extend(rows)
						if len(rows) < piece:
							c[5] = True
					first = False
				self.q("COMMIT")
				error = None
			except ScenarioAbort:
				raise
			except psycopg.Error as e:
				self.rollback_if_needed()
				error = "unexpected error %s: %s" % (e.sqlstate, str(e).strip().splitlines()[0])
			for j, (t, qv, k, sql, got, done) in enumerate(curs):
				def run():
					if error:
						return [error + " (cursors on %d ruivf indexes open at once)" % n]
					tr = self.truth(t, vlit(qv))
					return self.check(got, tr, k, 0, settings, self.tol_scale(t, qv, t.maxnorm()))
				self.run_checked("manyidx", t, settings,
								 "cursor %d of %d open at once: %s" % (j, n, sql), run)
				if error:
					break
		return "%d tables, cursors open at once on their indexes (%s)" % (
			n, ", ".join("%s %dd %s %d lists" % (t.name, t.dim, t.metric, t.lists) for t in tabs))

	def run_scenario(self, i):
		self.scenario = i
		self.case_in_scenario = 0
		self.scenario_failed = 0
		self.scenario_cases = 0
		rng = random.Random("%d:%d" % (self.seed, i))
		# every tenth scenario from the 2nd a partitioned table, from the
		# 5th 9 to 12 tables at once, so that a short run has both
		if i % 10 == 2 and "partition" not in self.skip:
			kind = "partition"
		elif i % 10 == 5 and "manyidx" not in self.skip:
			kind = "many"
		elif any(f not in self.skip for f, w in TABLE_FORMS):
			kind = "table"
		elif "partition" not in self.skip:
			kind = "partition"
		elif "manyidx" not in self.skip:
			kind = "many"
		else:
			raise OutOfBudget()		# every form skipped
		desc = "?"
		self.cur_table = None
		t0 = time.monotonic()
		try:
			self.index_mode()
			self.set_gucs({"plan_cache_mode": "auto"})
			if kind == "table":
				desc = self.scenario_table(rng)
			elif kind == "partition":
				desc = self.scenario_partition(rng)
			else:
				desc = self.scenario_many(rng)
		except ScenarioAbort as e:
			self.record("crash", ["%s (the server may have crashed)" % e], "scenario %d (%s)" % (i, kind))
			self.reconnect()
		except psycopg.Error as e:
			# a failure of the set-up (CREATE TABLE / INDEX, COPY, VACUUM)
			self.rollback_if_needed()
			self.record("setup", ["unexpected error %s: %s" % (e.sqlstate, str(e).strip().splitlines()[0])],
						"scenario %d (%s)" % (i, kind))
		finally:
			if desc == "?" and self.cur_table is not None:
				try:
					desc = self.cur_table.desc() + " (stopped early)"
				except Exception:
					pass
			print("scenario %d: %d cases, %d failed, %.1f s: %s" % (
				i, self.scenario_cases, self.scenario_failed, time.monotonic() - t0, desc))
			sys.stdout.flush()
			if not self.args.keep:
				self.drop_all()

	def drop_all(self):
		try:
			self.rollback_if_needed()
			self.q("DEALLOCATE ALL")
			for (name,) in self.q("SELECT tablename FROM pg_tables WHERE schemaname = '%s'" % SCHEMA) or []:
				self.q("DROP TABLE IF EXISTS %s CASCADE" % name)
		except ScenarioAbort:
			self.reconnect()

	def run(self):
		print("ruivf_diff: seed %d (replay: python3 test/diff/ruivf_diff.py --seed %d)" % (self.seed, self.seed))
		sys.stdout.flush()
		self.connect()
		self.q("CREATE EXTENSION IF NOT EXISTS ruvector")
		self.q("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
		self.q("CREATE SCHEMA %s" % SCHEMA)
		if self.args.scenario is not None:
			scenarios = [self.args.scenario]
		else:
			scenarios = range(1, 1 << 30)
		try:
			for i in scenarios:
				self.check_budget()
				self.run_scenario(i)
		except OutOfBudget:
			pass
		if not self.args.keep:
			try:
				self.q("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
			except (psycopg.Error, ScenarioAbort):
				pass
		for form in sorted(self.form_stats):
			p, f = self.form_stats[form]
			print("form %-10s %5d passed, %d failed" % (form, p, f))
		if self.kinds:
			print("failures by kind: " + ", ".join("%s %d" % kv for kv in sorted(self.kinds.items())))
		print("seed %d, %d scenarios, %.1f s" % (self.seed, self.scenario, time.monotonic() - self.t0))
		print("%d passed, %d failed" % (self.passed, self.failed))
		return 1 if self.failed else 0


def main():
	ap = argparse.ArgumentParser(description="Randomized differential test of the ruivf index against exact scans.")
	ap.add_argument("--seed", type=int, default=None, help="random seed (default: random, printed)")
	ap.add_argument("--time-budget", type=float, default=None,
					help="stop starting cases after this many seconds (default 60; 0: no limit)")
	ap.add_argument("--cases", type=int, default=0, help="stop after this many cases (0: no limit)")
	ap.add_argument("--scenario", type=int, default=None, help="run only scenario I of the seed")
	ap.add_argument("--skip", default="", help="forms to leave out, comma-separated: " + ",".join(FORMS))
	ap.add_argument("--show", type=int, default=5, help="failures shown in full per form and kind of failure (default 5)")
	ap.add_argument("--set", action="append", default=[], metavar="GUC=VALUE",
					help="give every case this ruvector setting (probes, max_probes, iterative_scan, "
					"rerank_factor, max_scan_tuples, check_bounds, simd); for narrowing a failure down")
	ap.add_argument("--trace", action="store_true", help="print every statement on stderr")
	ap.add_argument("--keep", action="store_true", help="keep the tables (schema %s) for inspection" % SCHEMA)
	args = ap.parse_args()
	args.skip = [s for s in args.skip.split(",") if s]
	for s in args.skip:
		if s not in FORMS:
			ap.error("unknown form %r (forms: %s)" % (s, ", ".join(FORMS)))
	for kv in args.set:
		k, _, v = kv.partition("=")
		k = k.replace("ruvector.", "")
		if k not in GUC_ATTR or not v:
			ap.error("--set %r: want one of %s=VALUE" % (kv, ", ".join(GUC_ATTR)))
		FORCED[GUC_ATTR[k][0]] = GUC_ATTR[k][1](v)
	if args.seed is None:
		args.seed = random.SystemRandom().randrange(1, 10 ** 9)
	if args.time_budget is None:
		args.time_budget = 0 if (args.cases or args.scenario is not None) else 60
	sys.exit(Runner(args).run())


if __name__ == "__main__":
	main()
