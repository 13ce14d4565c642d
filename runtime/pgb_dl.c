/*
 * pg-bundle runtime: dlopen/dlsym/dlerror/dlclose for a static postgres.
 *
 * A static binary cannot load shared objects. pg-bundle links the modules that initdb and walredo
 * need into postgres (their global symbols renamed per module) and wraps the loader functions at
 * link time (-Wl,--wrap=dlopen,--wrap=dlsym,--wrap=dlerror,--wrap=dlclose). PostgreSQL's dfmgr.c is
 * unchanged: it still stat()s "$libdir/<name>.so" (a marker file in the bundle), then "dlopens" it,
 * which here finds the module by its base name in a table generated at build time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgb_modules.h"

static char pgb_dl_error[512];
static int	pgb_dl_error_set;
static const int pgb_self_handle;

static void
set_error(const char *fmt, const char *a)
{
	snprintf(pgb_dl_error, sizeof(pgb_dl_error), fmt, a);
	pgb_dl_error_set = 1;
}

/* "/x/lib/postgresql/plpgsql.so" -> "plpgsql" (into buf) */
static const char *
module_name(const char *path, char *buf, size_t buflen)
{
	const char *base = strrchr(path, '/');
	size_t		len;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 3 && strcmp(base + len - 3, ".so") == 0)
		len -= 3;
	if (len >= buflen)
		len = buflen - 1;
	memcpy(buf, base, len);
	buf[len] = '\0';
	return buf;
}

void *
__wrap_dlopen(const char *file, int mode)
{
	char		name[256];
	int			i;

	(void) mode;
	if (file == NULL)
		return (void *) &pgb_self_handle;
	module_name(file, name, sizeof(name));
	for (i = 0; i < pgb_nmodules; i++)
		if (strcmp(pgb_modules[i].name, name) == 0)
			return (void *) &pgb_modules[i];
	set_error("%s: this static postgres (pg-bundle) has no such module linked in; "
			  "rebuild the bundle with --module for it", file);
	return NULL;
}

static int
compare_symbol(const void *key, const void *entry)
{
	return strcmp((const char *) key, ((const pgb_symbol *) entry)->name);
}

void *
__wrap_dlsym(void *handle, const char *symbol)
{
	const pgb_module *module = (const pgb_module *) handle;
	const pgb_symbol *found;

	if (handle == NULL || handle == (void *) &pgb_self_handle)
	{
		set_error("%s: symbol look-up in the main program is not supported by pg-bundle", symbol);
		return NULL;
	}
	found = bsearch(symbol, module->symbols, module->nsymbols, sizeof(pgb_symbol), compare_symbol);
	if (found == NULL)
	{
		set_error("undefined symbol: %s", symbol);
		return NULL;
	}
	return found->address;
}

char *
__wrap_dlerror(void)
{
	if (!pgb_dl_error_set)
		return NULL;
	pgb_dl_error_set = 0;
	return pgb_dl_error;
}

int
__wrap_dlclose(void *handle)
{
	(void) handle;
	return 0;
}
