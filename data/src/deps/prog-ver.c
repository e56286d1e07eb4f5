/* prog-ver.c - needs version LIBA_3.0 of libA.so.1, which the installed
 * libA does not define. */
int a_new(void);

int main(void)
{
	return a_new() > 0 ? 0 : 1;
}
