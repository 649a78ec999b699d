/*-------------------------------------------------------------------------
 *
 * rvdata.c
 *	  The benchmark's data sets: make them, convert them, stream them into
 *	  PostgreSQL.
 *
 *	rvdata synth --n N --dim D [--clusters C] [--zipf S] [--sigma X]
 *				 [--latent K [--noise X]] [--seed S] [--stream base|query]
 *				 [--normalize] [--threads T] -o FILE.fvecs
 *		A seeded Gaussian mixture (see below) written as fvecs.
 *
 *	rvdata idim [--k K] [--squared] GT.fvecs
 *		The intrinsic dimension of a data set (Levina and Bickel's maximum
 *		likelihood estimate, averaged as MacKay and Ghahramani suggest) from
 *		each query's K nearest distances in a ground-truth file of rvgt
 *		(--squared: its distances are squared L2, as rvgt's l2 ones are).
 *
 *	rvdata idx [--limit N] [--normalize] -o FILE.fvecs < images-idx3-ubyte
 *		An idx image file (MNIST / fashion-mnist: big-endian magic 0x803,
 *		count, rows, cols, then unsigned bytes) as fvecs of rows*cols floats;
 *		--normalize scales each image to unit length (an all-zero one stays).
 *
 *	rvdata copy [--limit N] [--label NAME] FILE.fvecs
 *		PostgreSQL's binary COPY stream for a table (id integer, v <vector
 *		type>) on stdout: ids 1, 2, ..., v in the binary wire format that
 *		ruvector and pgvector share (int16 dim, int16 unused, float4s, all
 *		network order).  Load with
 *			rvdata copy f.fvecs | psql -c "COPY t (id, v) FROM STDIN (FORMAT binary)"
 *		A progress line goes to stderr.
 *
 *	rvdata info FILE.fvecs
 *		Prints "<count> <dim>".
 *
 * The synthetic mixture.  Everything derives from --seed:
 *	- C cluster centres, each coordinate ~ N(0, 1);
 *	- per cluster a spread sigma_c = sigma * U(0.5, 1.5) and, per dimension,
 *	  a stretch U(0.5, 1.5): diagonal, anisotropic Gaussians;
 *	- skewed cluster sizes: cluster c is drawn with probability proportional
 *	  to 1 / (c + 1)^zipf (zipf = 0: equal sizes; 1: Zipf's law).
 * A vector picks its cluster, then each coordinate is centre + stretch *
 * sigma_c * N(0, 1); --normalize scales it to unit length (for cosine and
 * inner product).
 *
 * With --latent K the mixture lives in K dimensions and a vector is
 * A z + noise * N(0, I) for a point z of it and a fixed random D x K map A
 * (entries N(0, 1 / K), so that |A z| ~ |z|): vectors near a K-dimensional
 * subspace, as real embeddings lie near a low-dimensional manifold, where
 * the full-dimensional mixture has no structure inside its clusters (a
 * harder case for every index).  --noise defaults to 0.1 (per dimension,
 * against about 1.1 of signal).  The base and the query sets are two --stream's of the same
 * mixture: same centres, different random draws.
 *
 * Determinism: rows are made in blocks of 1024, each from its own generator
 * seeded by (seed, stream, block number), so the output does not depend on
 * the thread count, and the first N rows of a larger set are the set of N.
 *
 * bench/tools/rvdata.c
 *
 *-------------------------------------------------------------------------
 */
#include <endian.h>
#include <math.h>
#include <pthread.h>

#include "fvecs.h"

#define BLOCK_ROWS 1024

/* ---- random numbers: splitmix64 seeding, xoshiro256** ------------------ */

typedef struct Rng
{
	uint64_t	s[4];
	int			has_spare;
	double		spare;
} Rng;

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(Rng *r, uint64_t seed)
{
	uint64_t	x = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	r->has_spare = 0;
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rng_next(Rng *r)
{
	uint64_t   *s = r->s;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* uniform in [0, 1) */
static inline double
rng_uniform(Rng *r)
{
	return (rng_next(r) >> 11) * 0x1.0p-53;
}

/* standard normal (Box-Muller, both values used) */
static inline double
rng_normal(Rng *r)
{
	double		u1,
				u2,
				rad;

	if (r->has_spare)
	{
		r->has_spare = 0;
		return r->spare;
	}
	u1 = 1.0 - rng_uniform(r);	/* (0, 1] */
	u2 = rng_uniform(r);
	rad = sqrt(-2.0 * log(u1));
	r->spare = rad * sin(2.0 * M_PI * u2);
	r->has_spare = 1;
	return rad * cos(2.0 * M_PI * u2);
}

/* ---- synth ------------------------------------------------------------- */

typedef struct Mixture
{
	int			clusters;
	int			dim;			/* of the output */
	int			latent;			/* of the mixture (dim unless --latent) */
	float	   *centre;			/* clusters x latent */
	float	   *sd;				/* clusters x latent: standard deviations */
	double	   *cum;			/* cumulative cluster probabilities */
	float	   *map;			/* --latent: dim x latent, row-major */
	double		noise;			/* --latent: noise per output dimension */
} Mixture;

static void
mixture_make(Mixture *m, int clusters, int outdim, int latent, double noise, double zipf,
			 double sigma, uint64_t seed)
{
	Rng			r;
	double		total = 0;
	int			dim = latent > 0 ? latent : outdim;

	m->clusters = clusters;
	m->dim = outdim;
	m->latent = dim;
	m->noise = noise;
	m->map = NULL;
	m->centre = xmalloc(sizeof(float) * clusters * dim);
	m->sd = xmalloc(sizeof(float) * clusters * dim);
	m->cum = xmalloc(sizeof(double) * clusters);
	rng_seed(&r, seed ^ 0x6d69787475726521ULL);
	for (int c = 0; c < clusters; c++)
	{
		double		sc = sigma * (0.5 + rng_uniform(&r));

		for (int d = 0; d < dim; d++)
			m->centre[(size_t) c * dim + d] = (float) rng_normal(&r);
		for (int d = 0; d < dim; d++)
			m->sd[(size_t) c * dim + d] = (float) (sc * (0.5 + rng_uniform(&r)));
	}
	for (int c = 0; c < clusters; c++)
	{
		total += 1.0 / pow(c + 1.0, zipf);
		m->cum[c] = total;
	}
	for (int c = 0; c < clusters; c++)
		m->cum[c] /= total;
	m->cum[clusters - 1] = 1.0;
	if (latent > 0)
	{
		/* its own generator: the mixture above is the same as without --latent */
		rng_seed(&r, seed ^ 0x6c6174656e746d61ULL);
		m->map = xmalloc(sizeof(float) * (size_t) outdim * latent);
		for (size_t i = 0; i < (size_t) outdim * latent; i++)
			m->map[i] = (float) (rng_normal(&r) / sqrt((double) latent));
	}
}

typedef struct SynthJob
{
	const Mixture *m;
	uint64_t	seed;
	uint64_t	stream;
	int			normalize;
	size_t		first_block;	/* blocks [first_block, first_block + nblocks) */
	size_t		nblocks;
	size_t		nrows;			/* total rows in the set */
	int			nthreads;
	int			thread;
	unsigned char *buf;			/* fvecs rows of this round, first_block first */
} SynthJob;

static void *
synth_worker(void *arg)
{
	SynthJob   *j = arg;
	const Mixture *m = j->m;
	size_t		rowbytes = 4 + 4 * (size_t) m->dim;
	double	   *x = xmalloc(sizeof(double) * m->dim);
	double	   *z = xmalloc(sizeof(double) * m->latent);

	for (size_t b = j->thread; b < j->nblocks; b += j->nthreads)
	{
		size_t		block = j->first_block + b;
		size_t		r0 = block * BLOCK_ROWS;
		size_t		r1 = r0 + BLOCK_ROWS < j->nrows ? r0 + BLOCK_ROWS : j->nrows;
		Rng			r;
		uint64_t	sd = j->seed * 0xd1342543de82ef95ULL + j->stream * 0x9e3779b97f4a7c15ULL + block;

		rng_seed(&r, sd);
		for (size_t row = r0; row < r1; row++)
		{
			unsigned char *out = j->buf + (row - j->first_block * BLOCK_ROWS) * rowbytes;
			double		u = rng_uniform(&r);
			int			lo = 0,
						hi = m->clusters - 1;
			int32_t		d32 = m->dim;
			double		norm = 0;
			float	   *f = (float *) (out + 4);

			while (lo < hi)		/* first cluster with cum > u */
			{
				int			mid = (lo + hi) / 2;

				if (m->cum[mid] > u)
					hi = mid;
				else
					lo = mid + 1;
			}
			if (m->map == NULL)
				for (int d = 0; d < m->dim; d++)
				{
					size_t		k = (size_t) lo * m->dim + d;

					x[d] = m->centre[k] + m->sd[k] * rng_normal(&r);
				}
			else
			{
				for (int l = 0; l < m->latent; l++)
				{
					size_t		k = (size_t) lo * m->latent + l;

					z[l] = m->centre[k] + m->sd[k] * rng_normal(&r);
				}
				for (int d = 0; d < m->dim; d++)
				{
					const float *a = m->map + (size_t) d * m->latent;
					double		v = 0;

					for (int l = 0; l < m->latent; l++)
						v += a[l] * z[l];
					x[d] = v + m->noise * rng_normal(&r);
				}
			}
			for (int d = 0; d < m->dim; d++)
				norm += x[d] * x[d];
			norm = sqrt(norm);
			memcpy(out, &d32, 4);
			for (int d = 0; d < m->dim; d++)
			{
				float		v = (float) (j->normalize && norm > 0 ? x[d] / norm : x[d]);

				memcpy(f + d, &v, 4);
			}
		}
	}
	free(x);
	free(z);
	return NULL;
}

static FILE *
open_out(const char *path)
{
	FILE	   *f;

	if (path == NULL || strcmp(path, "-") == 0)
		return stdout;
	f = fopen(path, "wb");
	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	return f;
}

static void
close_out(FILE *f, const char *path)
{
	if (fflush(f) != 0 || ferror(f) || (f != stdout && fclose(f) != 0))
		die("%s: write failed: %s", path ? path : "stdout", strerror(errno));
}

static int
cmd_synth(int argc, char **argv)
{
	long		n = -1,
				dim = -1,
				clusters = 100,
				threads = sysconf(_SC_NPROCESSORS_ONLN);
	double		zipf = 1.0,
				sigma = 0.5,
				noise = 0.1;
	long		latent = 0;
	uint64_t	seed = 42,
				stream = 1;
	int			normalize = 0;
	const char *out = NULL;
	Mixture		m;
	size_t		rowbytes,
				nblocks,
				per_round;
	unsigned char *buf;
	FILE	   *f;
	Progress	pg;

	for (int i = 1; i < argc; i++)
	{
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--normalize") == 0)
		{
			normalize = 1;
			continue;
		}
		if (v == NULL)
			die("synth: %s needs a value", a);
		i++;
		if (strcmp(a, "--n") == 0)
			n = parse_long(a, v, 1, 2000000000L);
		else if (strcmp(a, "--dim") == 0)
			dim = parse_long(a, v, 1, 16000);
		else if (strcmp(a, "--clusters") == 0)
			clusters = parse_long(a, v, 1, 10000000L);
		else if (strcmp(a, "--zipf") == 0)
			zipf = parse_double(a, v);
		else if (strcmp(a, "--sigma") == 0)
			sigma = parse_double(a, v);
		else if (strcmp(a, "--latent") == 0)
			latent = parse_long(a, v, 0, 16000);
		else if (strcmp(a, "--noise") == 0)
			noise = parse_double(a, v);
		else if (strcmp(a, "--seed") == 0)
			seed = (uint64_t) parse_long(a, v, 0, 0x7fffffffffffffffL);
		else if (strcmp(a, "--stream") == 0)
		{
			if (strcmp(v, "base") == 0)
				stream = 1;
			else if (strcmp(v, "query") == 0)
				stream = 2;
			else
				stream = (uint64_t) parse_long(a, v, 0, 0x7fffffffffffffffL);
		}
		else if (strcmp(a, "--threads") == 0)
			threads = parse_long(a, v, 1, 1024);
		else if (strcmp(a, "-o") == 0)
			out = v;
		else
			die("synth: unknown option %s", a);
	}
	if (n < 0 || dim < 0)
		die("synth: --n and --dim are required");
	if (zipf < 0 || sigma < 0 || noise < 0)
		die("synth: --zipf, --sigma and --noise must be >= 0");
	if (latent > dim)
		die("synth: --latent %ld is more than --dim %ld", latent, dim);
	if (threads < 1)
		threads = 1;

	mixture_make(&m, (int) clusters, (int) dim, (int) latent, noise, zipf, sigma, seed);
	rowbytes = 4 + 4 * (size_t) dim;
	nblocks = ((size_t) n + BLOCK_ROWS - 1) / BLOCK_ROWS;
	/* about 64 MB of rows per round, at least one block per thread */
	per_round = (64u << 20) / (rowbytes * BLOCK_ROWS);
	if (per_round < (size_t) threads)
		per_round = threads;
	buf = xmalloc(per_round * BLOCK_ROWS * rowbytes);
	f = open_out(out);
	progress_start(&pg, stream == 2 ? "synthetic queries" : "synthetic vectors", (size_t) n);

	for (size_t b0 = 0; b0 < nblocks; b0 += per_round)
	{
		size_t		nb = nblocks - b0 < per_round ? nblocks - b0 : per_round;
		pthread_t	tid[1024];
		SynthJob	jobs[1024];
		size_t		r0 = b0 * BLOCK_ROWS,
					r1 = (b0 + nb) * BLOCK_ROWS;

		if (r1 > (size_t) n)
			r1 = n;
		for (int t = 0; t < threads; t++)
		{
			jobs[t] = (SynthJob) {
				&m, seed, stream, normalize, b0, nb, (size_t) n, (int) threads, t, buf
			};
			if (pthread_create(&tid[t], NULL, synth_worker, &jobs[t]) != 0)
				die("synth: pthread_create failed");
		}
		for (int t = 0; t < threads; t++)
			pthread_join(tid[t], NULL);
		if (fwrite(buf, rowbytes, r1 - r0, f) != r1 - r0)
			die("%s: write failed: %s", out ? out : "stdout", strerror(errno));
		progress_update(&pg, r1);
	}
	close_out(f, out);
	progress_done(&pg);
	free(buf);
	return 0;
}

/* ---- idx --------------------------------------------------------------- */

static uint32_t
read_be32(FILE *f)
{
	unsigned char b[4];

	if (fread(b, 1, 4, f) != 4)
		die("idx: truncated header");
	return ((uint32_t) b[0] << 24) | ((uint32_t) b[1] << 16) | ((uint32_t) b[2] << 8) | b[3];
}

static int
cmd_idx(int argc, char **argv)
{
	long		limit = -1;
	int			normalize = 0;
	const char *out = NULL;
	uint32_t	magic,
				count,
				dim;
	unsigned char *px;
	float	   *row;
	FILE	   *f;

	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			limit = parse_long("--limit", argv[++i], 0, 2000000000L);
		else if (strcmp(argv[i], "--normalize") == 0)
			normalize = 1;
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else
			die("idx: usage: rvdata idx [--limit N] [--normalize] [-o FILE.fvecs] < file.idx");
	}
	magic = read_be32(stdin);
	if (magic != 0x00000803)
		die("idx: not an idx3 unsigned-byte file (magic 0x%08x)", magic);
	count = read_be32(stdin);
	dim = read_be32(stdin);
	dim *= read_be32(stdin);
	if (dim < 1 || dim > 16000)
		die("idx: %u dimensions is outside 1..16000", dim);
	if (limit >= 0 && (uint32_t) limit < count)
		count = (uint32_t) limit;
	px = xmalloc(dim);
	row = xmalloc(4 + 4 * (size_t) dim);
	f = open_out(out);
	for (uint32_t n = 0; n < count; n++)
	{
		int32_t		d32 = (int32_t) dim;

		if (fread(px, 1, dim, stdin) != dim)
			die("idx: truncated at image %u", n);
		memcpy(row, &d32, 4);
		for (uint32_t i = 0; i < dim; i++)
			row[i + 1] = (float) px[i];
		if (normalize)
		{
			double		norm = 0.0;

			for (uint32_t i = 0; i < dim; i++)
				norm += (double) px[i] * px[i];
			norm = sqrt(norm);
			for (uint32_t i = 0; norm > 0 && i < dim; i++)
				row[i + 1] = (float) (px[i] / norm);
		}
		if (fwrite(row, 4 + 4 * (size_t) dim, 1, f) != 1)
			die("%s: write failed: %s", out ? out : "stdout", strerror(errno));
	}
	close_out(f, out);
	free(px);
	free(row);
	return 0;
}

/* ---- copy -------------------------------------------------------------- */

static void
put(const void *p, size_t n)
{
	if (fwrite(p, 1, n, stdout) != n)
		die("copy: write: %s", strerror(errno));
}

static int
cmd_copy(int argc, char **argv)
{
	long		limit = -1;
	const char *path = NULL;
	const char *label = "rows";
	Vecs		v;
	size_t		count;
	static const char sig[11] = "PGCOPY\n\377\r\n";
	uint32_t	zero = 0;
	uint16_t	trailer = 0xffff;
	uint32_t   *wire;
	Progress	pg;

	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			limit = parse_long("--limit", argv[++i], 0, 2000000000L);
		else if (strcmp(argv[i], "--label") == 0 && i + 1 < argc)
			label = argv[++i];
		else if (argv[i][0] != '-' && path == NULL)
			path = argv[i];
		else
			die("copy: usage: rvdata copy [--limit N] [--label NAME] FILE.fvecs");
	}
	if (path == NULL)
		die("copy: no input file");
	vecs_open_uniform(&v, path);
	if (v.dim > 16000)
		die("copy: %d dimensions is outside 1..16000", v.dim);
	if (v.n > 2147483647UL)
		die("copy: too many rows for integer ids");
	count = v.n;
	if (limit >= 0 && (size_t) limit < count)
		count = (size_t) limit;
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	wire = xmalloc(4 * (size_t) v.dim);

	put(sig, 11);
	put(&zero, 4);				/* flags */
	put(&zero, 4);				/* header extension length */
	progress_start(&pg, label, count);
	for (size_t n = 0; n < count; n++)
	{
		const float *row = vecs_row(&v, n);
		uint16_t	nfields = htobe16(2);
		uint32_t	len4 = htobe32(4),
					id = htobe32((uint32_t) (n + 1)),
					vlen = htobe32(4 + 4 * (uint32_t) v.dim);
		uint16_t	d16 = htobe16((uint16_t) v.dim),
					unused = 0;

		for (int i = 0; i < v.dim; i++)
		{
			uint32_t	u;

			memcpy(&u, row + i, 4);
			wire[i] = htobe32(u);
		}
		put(&nfields, 2);
		put(&len4, 4);
		put(&id, 4);
		put(&vlen, 4);
		put(&d16, 2);
		put(&unused, 2);
		put(wire, 4 * (size_t) v.dim);
		if ((n & 1023) == 1023)
			progress_update(&pg, n + 1);
	}
	put(&trailer, 2);
	if (fflush(stdout) != 0)
		die("copy: write: %s", strerror(errno));
	progress_done(&pg);
	free(wire);
	vecs_close(&v);
	return 0;
}

static int
cmd_info(int argc, char **argv)
{
	Vecs		v;

	if (argc != 2)
		die("info: usage: rvdata info FILE.fvecs");
	vecs_open_uniform(&v, argv[1]);
	printf("%zu %d\n", v.n, v.dim);
	vecs_close(&v);
	return 0;
}

/* ---- idim -------------------------------------------------------------- */

static int
cmp_float(const void *a, const void *b)
{
	float		x = *(const float *) a,
				y = *(const float *) b;

	return (x > y) - (x < y);
}

static int
cmd_idim(int argc, char **argv)
{
	long		k = 20;
	int			squared = 0;
	const char *path = NULL;
	Vecs		v;
	float	   *t;
	double		inv_sum = 0;
	long		used = 0;

	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--k") == 0 && i + 1 < argc)
			k = parse_long("--k", argv[++i], 3, 100000);
		else if (strcmp(argv[i], "--squared") == 0)
			squared = 1;
		else if (argv[i][0] != '-' && path == NULL)
			path = argv[i];
		else
			die("idim: usage: rvdata idim [--k K] [--squared] GT.fvecs");
	}
	if (path == NULL)
		die("idim: usage: rvdata idim [--k K] [--squared] GT.fvecs");
	vecs_open_uniform(&v, path);
	if (v.dim < k)
		die("idim: %s has %d distances per query, fewer than --k %ld", path, v.dim, k);
	t = xmalloc(sizeof(float) * v.dim);
	for (size_t q = 0; q < v.n; q++)
	{
		const float *row = vecs_row(&v, q);
		double		s = 0;
		int			first = 0;

		memcpy(t, row, sizeof(float) * v.dim);
		qsort(t, v.dim, sizeof(float), cmp_float);
		for (int j = 0; j < v.dim; j++)
			t[j] = squared ? sqrtf(t[j] > 0 ? t[j] : 0) : t[j];
		/* duplicates of the query (distance 0) say nothing of the dimension */
		while (first < v.dim && !(t[first] > 0))
			first++;
		if (first + k > v.dim || !isfinite(t[first + k - 1]))
			continue;
		/* 1 / m_q = mean over j < k of log(T_k / T_j) (Levina and Bickel) */
		for (int j = first; j < first + k - 1; j++)
			s += log(t[first + k - 1] / t[j]);
		inv_sum += s / (k - 1);
		used++;
	}
	if (used == 0)
		die("idim: no query has %ld distances above 0", k);
	printf("%.2f %ld %ld\n", used / inv_sum, k, used);
	free(t);
	vecs_close(&v);
	return 0;
}

int
main(int argc, char **argv)
{
	progname = "rvdata";
	if (argc >= 2 && strcmp(argv[1], "synth") == 0)
		return cmd_synth(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "idx") == 0)
		return cmd_idx(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "copy") == 0)
		return cmd_copy(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "info") == 0)
		return cmd_info(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "idim") == 0)
		return cmd_idim(argc - 1, argv + 1);
	fprintf(stderr,
			"usage: rvdata synth --n N --dim D [--clusters C] [--zipf S] [--sigma X] [--seed S]\n"
			"                    [--latent K [--noise X]] [--stream base|query] [--normalize]\n"
			"                    [--threads T] -o FILE.fvecs\n"
			"       rvdata idx [--limit N] [--normalize] -o FILE.fvecs < images-idx3-ubyte\n"
			"       rvdata copy [--limit N] [--label NAME] FILE.fvecs > binary COPY stream\n"
			"       rvdata info FILE.fvecs\n"
			"       rvdata idim [--k K] [--squared] GT.fvecs\n");
	return 2;
}
