/* d.c - libD.so.1, in a directory only the programs' own RPATH/RUNPATH
 * name: found for libR through prog-ok's DT_RPATH (inherited), not
 * through prog's DT_RUNPATH (which is not). */
int d(void)
{
	return 1;
}
