/* dst.c - libdst.so.1, in /opt/dst/$LIB (Debian: $LIB = lib/<triplet>). */
int dst(void)
{
	return 1;
}
