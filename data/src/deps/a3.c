/* a3.c - link-time stand-in for a libA.so.1 that also defines LIBA_3.0
 * (a3.map): prog-ver is linked against it, the root filesystem gets the
 * real libA, which lacks that version.  Not installed. */
int a_old(void)
{
	return 1;
}

int a(void)
{
	return 2;
}

int a_new(void)
{
	return 3;
}
