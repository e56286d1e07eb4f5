/* sym.c - libsym.so.1, the library of the symbol-rename fixtures
 * (elfpatch).  The tests rename sym_old to sym_new (the name prog calls).
 * The other functions fill the hash tables, and sym_total() reaches them
 * and sym_counter through the PLT and the GOT, so the library's own
 * relocations name its symbols by index: a renumbering that misses one
 * breaks sym_total().  sym_total has version LIBSYM_2.0, the others
 * LIBSYM_1.0 (sym.map), so .gnu.version must follow a reordering. */
#include "sym.h"

int sym_counter = 100;

int SYM_OLD(int x) { return x + 41; }
int sym_a(int x) { return x + 1; }
int sym_b(int x) { return x + 2; }
int sym_c(int x) { return x + 3; }
int sym_d(int x) { return x + 4; }
int sym_e(int x) { return x + 5; }
int sym_f(int x) { return x + 6; }
int sym_g(int x) { return x + 7; }
int sym_h(int x) { return x + 8; }
int sym_i(int x) { return x + 9; }
int sym_j(int x) { return x + 10; }
int sym_k(int x) { return x + 11; }
int sym_l(int x) { return x + 12; }
int sym_m(int x) { return x + 13; }
int sym_n(int x) { return x + 14; }
int sym_o(int x) { return x + 15; }
int sym_p(int x) { return x + 16; }

int sym_total(void)
{
	return SYM_OLD(0) + sym_a(0) + sym_b(0) + sym_c(0) + sym_d(0) + sym_e(0) + sym_f(0)
	       + sym_g(0) + sym_h(0) + sym_i(0) + sym_j(0) + sym_k(0) + sym_l(0) + sym_m(0)
	       + sym_n(0) + sym_o(0) + sym_p(0) + sym_counter;
}
