/* pw.c - uses libw.so.1, which needs f@VER_2 of libv.so.1. */
#include <stdio.h>

int w(void);

int main(void)
{
	printf("w=%d\n", w());
	return 0;
}
