/* plat.c - libplat.so.1, in /opt/plat/${PLATFORM} (the CPU's AT_PLATFORM:
 * v7l, aarch64, x86_64 for the fixtures' targets). */
int plat(void)
{
	return 1;
}
