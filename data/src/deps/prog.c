/* prog.c - the program with everything that can go wrong: DT_RUNPATH
 * $ORIGIN/../lib:$ORIGIN/../private; libR's libD is then not found
 * (RUNPATH is not inherited), libmissing is nowhere, libshadow has a decoy
 * first, libconf comes from ld.so.conf. */
int a(void);
int r(void);
int shadow(void);
int conf(void);
int f(void);
int missing(void);

int main(void)
{
	return a() + r() + shadow() + conf() + f() + missing() > 0 ? 0 : 1;
}
