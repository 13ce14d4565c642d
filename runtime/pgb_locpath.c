/*
 * pg-bundle runtime: make glibc find the bundle's own compiled locales.
 *
 * A static glibc still reads compiled locales from /usr/lib/locale (the host's!) unless LOCPATH is
 * set. Before main() runs, this constructor points LOCPATH at <bundle>/vNN/lib/locale, computed
 * from the executable's own location, so the host's locale files are never read. If the location
 * cannot be found, LOCPATH is pointed at a path that does not exist: a locale then fails to load,
 * visibly, instead of silently coming from the host.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#define PGB_LOCALE_SUBDIR "/lib/locale"
#define PGB_NO_LOCALES "/nonexistent/pg-bundle-locales-not-found"

static int
executable_path(char *buf, size_t len)
{
	ssize_t		n = readlink("/proc/self/exe", buf, len - 1);
	const char *execfn;

	if (n > 0)
	{
		buf[n] = '\0';
		return 0;
	}
	execfn = (const char *) getauxval(AT_EXECFN);
	if (execfn != NULL && realpath(execfn, buf) != NULL)
		return 0;
	return -1;
}

static void
strip_last_component(char *path)
{
	char	   *slash = strrchr(path, '/');

	if (slash != NULL)
		*slash = '\0';
}

__attribute__((constructor)) static void
pgb_set_locpath(void)
{
	char		exe[PATH_MAX];
	char		locpath[PATH_MAX + sizeof(PGB_LOCALE_SUBDIR)];

	if (executable_path(exe, sizeof(exe)) != 0 || strchr(exe, '/') == NULL)
	{
		setenv("LOCPATH", PGB_NO_LOCALES, 1);
		return;
	}
	strip_last_component(exe);	/* .../vNN/bin */
	strip_last_component(exe);	/* .../vNN */
	strcpy(locpath, exe);
	strcat(locpath, PGB_LOCALE_SUBDIR);
	setenv("LOCPATH", locpath, 1);
}
