/* conf.c - libconf.so.1, found only through /etc/ld.so.conf (an include
 * of ld.so.conf.d/); needs libF-alias.so.1, a symbolic link to the libF.so.1
 * the program already loaded: the same file, so the same object. */
int f(void);

int conf(void)
{
	return f() + 1;
}
