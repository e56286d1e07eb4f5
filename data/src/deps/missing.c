/* missing.c - link-time stand-in for libmissing.so.1, which no root
 * filesystem of the fixtures holds.  Not installed. */
int missing(void)
{
	return 0;
}
