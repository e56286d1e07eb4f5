/* w.c - libw.so.1, linked without the C library: its only version
 * requirement is f@VER_2 of libv.so.1, so clearing f's version would
 * leave no requirement at all. */
int f(void);

int w(void)
{
	return f() + 10;
}
