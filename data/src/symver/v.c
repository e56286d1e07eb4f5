/* v.c - libv.so.1 for tests/edit-symver.sh (elfpatch), built at test
 * time twice: with v2.map (versions VER_1 and VER_2, f at VER_2), what
 * the programs are linked against; with v1.map (VER_1 only, f there
 * too), the older library they must still run with once f's version is
 * cleared. */
int f(void)
{
	return 1;
}

int g(void)
{
	return 2;
}

int h(void)
{
	return 3;
}
