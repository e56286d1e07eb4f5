/* greet.c - the tiny libgreet test library (elfpatch fixtures). */
#include <stdio.h>
#include "greet.h"

int greet(const char *who)
{
	return printf("hello from libgreet, %s\n", who);
}
