/*-------------------------------------------------------------------------
 *
 * idx2copy.c
 *	  Turn an idx image file (the MNIST / fashion-mnist format) into COPY
 *	  input for a table (id integer, v ruvector(rows*cols)).
 *
 * Usage: gzip -dc train-images-idx3-ubyte.gz | idx2copy [--binary] [--limit N]
 *
 * idx: big-endian int32 magic 0x00000803 (unsigned bytes, 3 dimensions),
 * then the three sizes (count, rows, cols), then count*rows*cols bytes.
 * Each image becomes one row: id = 1, 2, ..., v = its pixels as floats.
 * --binary writes PostgreSQL's binary COPY format (ruvector's wire format:
 * int16 dim, int16 unused, float4s, network order), which loads faster than
 * text.  A progress line goes to stderr every 10,000 rows.
 *
 * bench/tools/idx2copy.c
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* read one big-endian uint32 or die */
static uint32_t
read_be32(FILE *f)
{
	unsigned char b[4];

	if (fread(b, 1, 4, f) != 4)
	{
		fprintf(stderr, "idx2copy: truncated header\n");
		exit(1);
	}
	return ((uint32_t) b[0] << 24) | ((uint32_t) b[1] << 16) | ((uint32_t) b[2] << 8) | b[3];
}

/* write n bytes or die */
static void
put(const void *p, size_t n)
{
	if (fwrite(p, 1, n, stdout) != n)
	{
		perror("idx2copy: write");
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	int			binary = 0;
	long		limit = -1;
	uint32_t	magic,
				count,
				rows,
				cols,
				dim;
	unsigned char *px;
	static char line[16 * 16000 + 64];

	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--binary") == 0)
			binary = 1;
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			limit = atol(argv[++i]);
		else
		{
			fprintf(stderr, "usage: idx2copy [--binary] [--limit N] < file.idx\n");
			return 2;
		}
	}

	magic = read_be32(stdin);
	if (magic != 0x00000803)
	{
		fprintf(stderr, "idx2copy: not an idx3 unsigned-byte file (magic 0x%08x)\n", magic);
		return 1;
	}
	count = read_be32(stdin);
	rows = read_be32(stdin);
	cols = read_be32(stdin);
	dim = rows * cols;
	if (dim < 1 || dim > 16000)
	{
		fprintf(stderr, "idx2copy: %u dimensions is outside 1..16000\n", dim);
		return 1;
	}
	if (limit >= 0 && (uint32_t) limit < count)
		count = (uint32_t) limit;
	px = malloc(dim);

	if (binary)
	{
		static const char sig[11] = "PGCOPY\n\377\r\n";
		uint32_t	zero = 0;

		put(sig, 11);
		put(&zero, 4);			/* flags */
		put(&zero, 4);			/* header extension length */
	}

	for (uint32_t n = 0; n < count; n++)
	{
		if (fread(px, 1, dim, stdin) != dim)
		{
			fprintf(stderr, "idx2copy: truncated at image %u\n", n);
			return 1;
		}
		if (binary)
		{
			uint16_t	nfields = htons(2);
			uint32_t	len4 = htonl(4),
						id = htonl(n + 1),
						vlen = htonl(4 + 4 * dim);
			uint16_t	d16 = htons((uint16_t) dim),
						unused = 0;

			put(&nfields, 2);
			put(&len4, 4);
			put(&id, 4);
			put(&vlen, 4);
			put(&d16, 2);
			put(&unused, 2);
			for (uint32_t i = 0; i < dim; i++)
			{
				float		f = (float) px[i];
				uint32_t	u;

				memcpy(&u, &f, 4);
				u = htonl(u);
				put(&u, 4);
			}
		}
		else
		{
			char	   *p = line;

			p += sprintf(p, "%u\t[", n + 1);
			for (uint32_t i = 0; i < dim; i++)
				p += sprintf(p, i ? ",%u" : "%u", px[i]);
			*p++ = ']';
			*p++ = '\n';
			put(line, p - line);
		}
		if ((n + 1) % 10000 == 0)
			fprintf(stderr, "\r  %u / %u rows", n + 1, count);
	}
	if (binary)
	{
		uint16_t	trailer = 0xffff;

		put(&trailer, 2);
	}
	fprintf(stderr, "\r  %u / %u rows\n", count, count);
	free(px);
	return 0;
}
