/*
 * pg-bundle runtime: pg_strong_random() from the kernel's getrandom(2).
 *
 * Built without OpenSSL, PostgreSQL reads /dev/urandom, which an empty root does not have
 * (initdb's bootstrap then PANICs: "could not generate secret authorization token"). Wrapping
 * pg_strong_random at link time (-Wl,--wrap=pg_strong_random) takes the bytes from getrandom(2)
 * instead, so the kernel is the only dependency.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/random.h>

bool
__wrap_pg_strong_random(void *buf, size_t len)
{
	char	   *p = buf;

	while (len > 0)
	{
		ssize_t		n = getrandom(p, len, 0);

		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			return false;
		}
		p += n;
		len -= (size_t) n;
	}
	return true;
}
