/* prog.c - the program of the symbol-rename fixtures (elfpatch): it calls
 * sym_new(), which libsym.so.1 defines only once sym_old is renamed, and
 * sym_total() (version LIBSYM_2.0), which adds up every function of the
 * library through the library's own relocations (1 + 2 + ... + 16 = 136,
 * sym_old's 41 and sym_counter's 100: 277).  Prints both; exits 0 when
 * they are right. */
#include <stdio.h>

#define SYM_OLD sym_new
#include "sym.h"

int main(void)
{
	int r = sym_new(1), t = sym_total();

	printf("sym_new(1) = %d, sym_total() = %d\n", r, t);
	return r == 42 && t == 277 ? 0 : 1;
}
