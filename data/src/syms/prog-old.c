/* prog-old.c - a program of the symbol-rename fixtures (elfpatch) that
 * calls sym_old(): the tests rename its import to sym_a, so that the
 * renamed program calls sym_a() instead (1 + 1 instead of 1 + 41). */
#include <stdio.h>

#include "sym.h"

int main(int argc, char **argv)
{
	(void)argv;
	printf("sym_old(1) = %d\n", sym_old(argc));
	return 0;
}
