/* p1.c - needs f@VER_2 and g, h@VER_1 of libv.so.1: clearing f's
 * version drops one of two requirements on libv. */
#include <stdio.h>

int f(void);
int g(void);
int h(void);

int main(void)
{
	printf("f+g+h=%d\n", f() + g() + h());
	return 0;
}
