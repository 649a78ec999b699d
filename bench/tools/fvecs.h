/*-------------------------------------------------------------------------
 *
 * fvecs.h
 *	  Shared helpers of the benchmark tools: errors, the fvecs file format,
 *	  progress lines.
 *
 * fvecs (the ann-benchmarks / TEXMEX format): per vector, an int32 dim then
 * dim float32s, in the machine's byte order (little-endian on x86-64).
 * ivecs is the same with int32 elements.  Files are read through mmap.
 *
 * bench/tools/fvecs.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RVBENCH_FVECS_H
#define RVBENCH_FVECS_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *progname = "rvbench";

static inline void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static inline void
die(const char *fmt, ...)
{
	va_list		ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static inline void *
xmalloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory (%zu bytes)", n);
	return p;
}

static inline double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* parse a non-negative integer option value or die */
static inline long
parse_long(const char *opt, const char *s, long lo, long hi)
{
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi)
		die("%s: expected an integer in %ld..%ld, got \"%s\"", opt, lo, hi, s);
	return v;
}

static inline double
parse_double(const char *opt, const char *s)
{
	char	   *end;
	double		v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s)
		die("%s: expected a number, got \"%s\"", opt, s);
	return v;
}

/* An fvecs (or ivecs: same layout) file, mapped read-only. */
typedef struct Vecs
{
	const char *path;
	const unsigned char *map;
	size_t		size;
	size_t		n;				/* number of vectors */
	int			dim;			/* of the first vector; -1 when the file is empty */
	int			uniform;		/* all vectors have the same dim */
} Vecs;

static inline void
vecs_open(Vecs *v, const char *path)
{
	int			fd = open(path, O_RDONLY);
	struct stat st;

	memset(v, 0, sizeof(*v));
	v->path = path;
	v->dim = -1;
	v->uniform = 1;
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0)
		die("%s: %s", path, strerror(errno));
	v->size = (size_t) st.st_size;
	if (v->size > 0)
	{
		v->map = mmap(NULL, v->size, PROT_READ, MAP_SHARED, fd, 0);
		if (v->map == MAP_FAILED)
			die("%s: mmap: %s", path, strerror(errno));
	}
	close(fd);
}

/* Map a file of same-dimension vectors; check its layout. */
static inline void
vecs_open_uniform(Vecs *v, const char *path)
{
	int32_t		d;
	size_t		row;

	vecs_open(v, path);
	if (v->size == 0)
		die("%s: empty file", path);
	if (v->size < 4)
		die("%s: truncated", path);
	memcpy(&d, v->map, 4);
	if (d < 1 || d > 1000000)
		die("%s: bad dimension %d in the first vector (not an fvecs file?)", path, (int) d);
	v->dim = d;
	row = 4 + 4 * (size_t) d;
	if (v->size % row != 0)
		die("%s: size %zu is not a multiple of the row size %zu", path, v->size, row);
	v->n = v->size / row;
	for (size_t i = 0; i < v->n; i++)
	{
		int32_t		di;

		memcpy(&di, v->map + i * row, 4);
		if (di != d)
			die("%s: vector %zu has dimension %d, the first has %d", path, i + 1, (int) di, (int) d);
	}
}

static inline const float *
vecs_row(const Vecs *v, size_t i)
{
	return (const float *) (v->map + i * (4 + 4 * (size_t) v->dim) + 4);
}

static inline void
vecs_close(Vecs *v)
{
	if (v->map && v->size)
		munmap((void *) v->map, v->size);
	v->map = NULL;
}

/*
 * Progress lines on stderr: a rewritten line on a terminal, else a line at
 * every tenth of the way.
 */
typedef struct Progress
{
	const char *label;
	size_t		total;
	double		t0;
	int			tty;
	int			last_tenth;
	double		last_print;
} Progress;

static inline void
progress_start(Progress *p, const char *label, size_t total)
{
	p->label = label;
	p->total = total;
	p->t0 = now_s();
	p->tty = isatty(2);
	p->last_tenth = 0;
	p->last_print = 0;
}

static inline void
progress_update(Progress *p, size_t done)
{
	double		t = now_s();
	int			tenth = p->total ? (int) (done * 10 / p->total) : 10;

	if (p->tty)
	{
		if (t - p->last_print < 0.2 && done < p->total)
			return;
		p->last_print = t;
		fprintf(stderr, "\r  %s: %zu / %zu (%3.0f%%, %.0f/s)   ", p->label, done, p->total,
				p->total ? 100.0 * done / p->total : 100.0, done / (t - p->t0 + 1e-9));
	}
	else
	{
		if (tenth <= p->last_tenth || tenth >= 10)
			return;
		p->last_tenth = tenth;
		fprintf(stderr, "  %s: %zu / %zu (%d%%)\n", p->label, done, p->total, tenth * 10);
	}
}

static inline void
progress_done(Progress *p)
{
	double		t = now_s() - p->t0;

	fprintf(stderr, "%s  %s: %zu / %zu done in %.1f s (%.0f/s)%s\n", p->tty ? "\r" : "",
			p->label, p->total, p->total, t, p->total / (t + 1e-9), p->tty ? "   " : "");
}

#endif							/* RVBENCH_FVECS_H */
