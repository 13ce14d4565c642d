/*
 * pg-bundle runtime: the table of modules linked into a static postgres.
 * The table itself (pgb_module_table.c) is generated at build time by pg-bundle.
 */
#ifndef PGB_MODULES_H
#define PGB_MODULES_H

typedef struct pgb_symbol
{
	const char *name;			/* symbol name as the module defines it */
	void	   *address;		/* address of the renamed, linked-in symbol */
} pgb_symbol;

typedef struct pgb_module
{
	const char *name;			/* library name without directory or suffix */
	const pgb_symbol *symbols;	/* sorted by name (strcmp) */
	int			nsymbols;
} pgb_module;

extern const pgb_module pgb_modules[];
extern const int pgb_nmodules;

/* modules the builtin walredo loads at start as shared_preload_libraries would; NULL-terminated */
extern const char *const pgb_walredo_preload[];

#endif
