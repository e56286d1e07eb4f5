/* f.c - libF.so.1 (and, linked with another soname, the link-time
 * stand-in for libF-alias.so.1). */
int f(void)
{
	return 1;
}
