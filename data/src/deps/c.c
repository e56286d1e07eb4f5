/* c.c - libC.so.1, the end of the libA -> libB -> libC chain. */
int c(void)
{
	return 1;
}
