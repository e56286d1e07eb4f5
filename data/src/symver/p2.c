/* p2.c - needs only f@VER_2 of libv.so.1: clearing f's version drops
 * libv's whole entry from .gnu.version_r. */
#include <stdio.h>

int f(void);

int main(void)
{
	printf("f=%d\n", f());
	return 0;
}
