/* sym.h - libsym.so.1 of the symbol-rename fixtures (elfpatch).  SYM_OLD
 * is sym_old in the real library; the stub the programs link against is
 * built with -DSYM_OLD=sym_new, the name the library has once renamed. */
#ifndef SYM_OLD
#define SYM_OLD sym_old
#endif

extern int sym_counter;
int SYM_OLD(int x);
int sym_a(int x);
int sym_b(int x);
int sym_c(int x);
int sym_d(int x);
int sym_e(int x);
int sym_f(int x);
int sym_g(int x);
int sym_h(int x);
int sym_i(int x);
int sym_j(int x);
int sym_k(int x);
int sym_l(int x);
int sym_m(int x);
int sym_n(int x);
int sym_o(int x);
int sym_p(int x);
int sym_total(void);
