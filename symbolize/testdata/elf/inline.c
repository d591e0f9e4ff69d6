/* A miniature kernel source for the DWARF tests: a chain of inlined
   functions, a loop (discriminators) and a noreturn call. */
static int counter;

static inline __attribute__((always_inline)) int bump(int by)
{
	counter += by;
	return counter;
}

static inline __attribute__((always_inline)) int twice(int by)
{
	return bump(by) + bump(by);
}

__attribute__((noreturn)) void halt(void);

__attribute__((noinline)) int do_work(int n)
{
	int sum = 0;

	for (int i = 0; i < n; i++)
		sum += twice(i);
	if (sum < 0)
		halt();
	return sum;
}

void halt(void)
{
	for (;;)
		counter++;
}

int start_kernel(void)
{
	return do_work(3);
}
