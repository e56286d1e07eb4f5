/* shadow.c - libshadow.so.1, built for the target and, as a decoy earlier
 * in the search path, for an incompatible one (another class, or ARM's
 * other float ABI) that the loader must skip. */
int shadow(void)
{
	return 1;
}
