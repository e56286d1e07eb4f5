/* prog-ok.c - the program whose dependencies all resolve: DT_RPATH
 * $ORIGIN/../lib:${ORIGIN}/../private:/opt/dst/$LIB:/opt/plat/${PLATFORM}
 * (libR's libD is found through it: RPATH is inherited). */
int a(void);
int r(void);
int dst(void);
int plat(void);

int main(void)
{
	return a() + r() + dst() + plat() > 0 ? 0 : 1;
}
