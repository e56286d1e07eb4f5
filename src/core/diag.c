#include <config.h>

#include "core/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void vreport(const char *kind, const char *file, const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs(PROGRAM_NAME ": ", stderr);
	if (file)
		fprintf(stderr, "%s: ", file);
	if (kind)
		fputs(kind, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int error(const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(NULL, file, fmt, ap);
	va_end(ap);
	return -1;
}

void warning(const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", file, fmt, ap);
	va_end(ap);
}

void trace(bool enabled, const char *file, const char *fmt, ...)
{
	va_list ap;

	if (!enabled)
		return;
	va_start(ap, fmt);
	vreport("debug: ", file, fmt, ap);
	va_end(ap);
}

void bug_at(const char *src, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, PROGRAM_NAME ": BUG at %s:%d: ", src, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
