/* greet.h - interface of the tiny libgreet test library (elfpatch fixtures). */
#ifndef GREET_H
#define GREET_H

/* Print "hello from libgreet, WHO" on stdout; returns printf's result. */
int greet(const char *who);

#endif
