/* b.c - libB.so.1: needs libC.so.1, which it finds only through the
 * DT_RPATH of libA, the object that loaded it (RPATH is inherited). */
int c(void);

int b(void)
{
	return c() + 1;
}
