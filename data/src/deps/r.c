/* r.c - libR.so.1: needs libD.so.1 and has no search path of its own. */
int d(void);

int r(void)
{
	return d();
}
