/* a.c - libA.so.1 of the dependency-chain fixtures (elfpatch): versions
 * LIBA_1.0 and LIBA_2.0 (a.map); needs libB.so.1, found through libA's
 * own DT_RPATH $ORIGIN/chain. */
int b(void);

int a_old(void)
{
	return 1;
}

int a(void)
{
	return b() + 1;
}
