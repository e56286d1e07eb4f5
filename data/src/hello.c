/* hello.c - test program for the elfpatch fixtures: calls greet() from
 * libgreet and exits 0 if the greeting was printed. */
#include "greet.h"

int main(int argc, char **argv)
{
	return greet(argc > 1 ? argv[1] : "world") > 0 ? 0 : 1;
}
