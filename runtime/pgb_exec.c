/*
 * pg-bundle runtime: popen/pclose/system without /bin/sh for simple commands.
 *
 * initdb starts postgres through popen() and system(), and the backend runs "locale -a" through
 * popen(); both go through /bin/sh, which an empty root does not have. These wrappers (linked with
 * -Wl,--wrap=popen,--wrap=pclose,--wrap=system) run a command directly when it is simple: words
 * (bare, '...' or "..." quoted, with backslash escapes) and the redirections <, >, >>, 2>, 2>>,
 * 2>&1, 1>&2, >&2 (no other descriptor numbers, no NAME=value prefix), where the program is an
 * absolute or relative path. "locale -a" is answered from the bundle's own locale directory
 * (LOCPATH), so pg_collation never depends on the host. Anything else (pipes, variables, globs,
 * assignments, other descriptors, ...) falls back to the real function, i.e. /bin/sh.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

FILE	   *__real_popen(const char *command, const char *mode);
int			__real_pclose(FILE *stream);
int			__real_system(const char *command);

#define MAX_WORDS 256
#define MAX_REDIRS 8

typedef struct redirection
{
	int			fd;				/* descriptor redirected: 0, 1 or 2 */
	int			dup_of;			/* >= 0: duplicate this descriptor (2>&1) */
	int			flags;			/* open() flags when redirecting to a file */
	char	   *path;
} redirection;

typedef struct simple_command
{
	char	   *words[MAX_WORDS + 1];
	int			nwords;
	redirection redirs[MAX_REDIRS];
	int			nredirs;
	char	   *storage;		/* all strings live here */
} simple_command;

static int
is_bare_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		strchr("_@%+=:,./-", c) != NULL;
}

/*
 * Reads one word at *p into *out (advancing both). Returns 0 on success, -1 when the word needs a
 * real shell.
 */
static int
read_word(const char **p, char **out)
{
	const char *s = *p;
	char	   *o = *out;

	if (*s == '~' || *s == '#')
		return -1;
	while (*s && *s != ' ' && *s != '\t')
	{
		if (*s == '\'')
		{
			s++;
			while (*s && *s != '\'')
				*o++ = *s++;
			if (*s != '\'')
				return -1;
			s++;
		}
		else if (*s == '"')
		{
			s++;
			while (*s && *s != '"')
			{
				if (*s == '$' || *s == '`')
					return -1;
				if (*s == '\\' && s[1] && strchr("$`\"\\", s[1]))
					s++;
				else if (*s == '\\' && s[1] == '\n')
					return -1;
				*o++ = *s++;
			}
			if (*s != '"')
				return -1;
			s++;
		}
		else if (*s == '\\')
		{
			if (!s[1] || s[1] == '\n')
				return -1;
			*o++ = s[1];
			s += 2;
		}
		else if (is_bare_char(*s))
			*o++ = *s++;
		else if (*s == '<' || *s == '>')
			break;				/* a redirection right after a word */
		else
			return -1;
	}
	*o++ = '\0';
	*p = s;
	*out = o;
	return 0;
}

/* A shell assignment word (NAME=...) starts at s: an unquoted name, then '='. */
static int
is_assignment(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return 0;
	while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')
		s++;
	return *s == '=';
}

/* Parses command into cmd. Returns 0 when it is a simple command, -1 when a shell is needed. */
static int
parse_simple_command(const char *command, simple_command *cmd)
{
	const char *s = command;
	char	   *o;

	memset(cmd, 0, sizeof(*cmd));
	cmd->storage = malloc(strlen(command) + 1 + MAX_WORDS);
	if (cmd->storage == NULL)
		return -1;
	o = cmd->storage;
	for (;;)
	{
		redirection *r;
		int			fd = -1;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		if (cmd->nwords == 0 && is_assignment(s))
			return -1;			/* NAME=value before the program: the shell's job */
		if (s[0] >= '0' && s[0] <= '9')
		{
			const char *d = s;

			while (*d >= '0' && *d <= '9')
				d++;
			if (*d == '<' || *d == '>')
			{
				/* only 1>, 2> and 0< are done here; any other descriptor goes to the shell */
				if (d - s != 1 || !((*s == '1' || *s == '2') ? *d == '>' : *s == '0' && *d == '<'))
					return -1;
				fd = *s++ - '0';
			}
		}
		if (*s == '<' || *s == '>')
		{
			if (cmd->nredirs == MAX_REDIRS)
				return -1;
			r = &cmd->redirs[cmd->nredirs++];
			r->dup_of = -1;
			if (*s == '<')
			{
				r->fd = fd < 0 ? 0 : fd;
				r->flags = O_RDONLY;
				s++;
			}
			else
			{
				r->fd = fd < 0 ? 1 : fd;
				r->flags = O_WRONLY | O_CREAT | O_TRUNC;
				s++;
				if (*s == '>')
				{
					r->flags = O_WRONLY | O_CREAT | O_APPEND;
					s++;
				}
				else if (*s == '&')
				{
					if ((s[1] == '1' || s[1] == '2') && (s[2] == '\0' || s[2] == ' ' || s[2] == '\t'))
					{
						r->dup_of = s[1] - '0';
						s += 2;
						continue;
					}
					return -1;
				}
			}
			if (r->fd > 2)
				return -1;
			while (*s == ' ' || *s == '\t')
				s++;
			if (*s == '\0' || *s == '<' || *s == '>')
				return -1;
			r->path = o;
			if (read_word(&s, &o) != 0)
				return -1;
			continue;
		}
		if (fd >= 0)
			s--;				/* a word starting with a digit */
		if (cmd->nwords == MAX_WORDS)
			return -1;
		cmd->words[cmd->nwords++] = o;
		if (read_word(&s, &o) != 0)
			return -1;
	}
	if (cmd->nwords == 0)
		return -1;
	return 0;
}

static int
is_locale_list(const simple_command *cmd)
{
	return cmd->nwords == 2 && strcmp(cmd->words[0], "locale") == 0 && strcmp(cmd->words[1], "-a") == 0;
}

static int
runnable(const simple_command *cmd)
{
	return strchr(cmd->words[0], '/') != NULL || is_locale_list(cmd);
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* "locale -a", answered from the bundle's locale directory (LOCPATH): never the host's. */
static void
print_bundle_locales(void)
{
	const char *dir = getenv("LOCPATH");
	char	   *names[512];
	int			n = 0;
	int			i;
	DIR		   *d;
	struct dirent *e;

	names[n++] = strdup("C");
	names[n++] = strdup("POSIX");
	if (dir != NULL && (d = opendir(dir)) != NULL)
	{
		while ((e = readdir(d)) != NULL && n < 512)
		{
			char		path[4096];
			struct stat st;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/LC_CTYPE", dir, e->d_name);
			if (stat(path, &st) == 0)
				names[n++] = strdup(e->d_name);
		}
		closedir(d);
	}
	qsort(names, n, sizeof(char *), compare_names);
	for (i = 0; i < n; i++)
		printf("%s\n", names[i]);
	fflush(stdout);
}

/* In the child: apply redirections in order, then run the command. Never returns. */
static void
exec_child(simple_command *cmd)
{
	int			i;

	for (i = 0; i < cmd->nredirs; i++)
	{
		redirection *r = &cmd->redirs[i];

		if (r->dup_of >= 0)
		{
			if (dup2(r->dup_of, r->fd) < 0)
				_exit(127);
			continue;
		}
		{
			int			fd = open(r->path, r->flags, 0666);

			if (fd < 0)
			{
				fprintf(stderr, "%s: %s\n", r->path, strerror(errno));
				_exit(1);
			}
			if (fd != r->fd)
			{
				dup2(fd, r->fd);
				close(fd);
			}
		}
	}
	if (is_locale_list(cmd))
	{
		print_bundle_locales();
		_exit(0);
	}
	cmd->words[cmd->nwords] = NULL;
	execv(cmd->words[0], cmd->words);
	fprintf(stderr, "%s: %s\n", cmd->words[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Streams opened here, so pclose knows which process to wait for. */
typedef struct open_stream
{
	FILE	   *stream;
	pid_t		pid;
	struct open_stream *next;
} open_stream;

static open_stream *open_streams;

FILE *
__wrap_popen(const char *command, const char *mode)
{
	simple_command cmd;
	int			reading;
	int			fds[2];
	pid_t		pid;
	FILE	   *stream;
	open_stream *entry;

	cmd.storage = NULL;
	if (command == NULL || mode == NULL || (mode[0] != 'r' && mode[0] != 'w') ||
		parse_simple_command(command, &cmd) != 0 || !runnable(&cmd))
	{
		free(cmd.storage);
		return __real_popen(command, mode);
	}
	reading = mode[0] == 'r';
	entry = malloc(sizeof(open_stream));
	if (entry == NULL || pipe2(fds, O_CLOEXEC) != 0)
	{
		free(entry);
		free(cmd.storage);
		return NULL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
	{
		int			saved = errno;

		close(fds[0]);
		close(fds[1]);
		free(entry);
		free(cmd.storage);
		errno = saved;
		return NULL;
	}
	if (pid == 0)
	{
		int			child_end = reading ? fds[1] : fds[0];
		int			target = reading ? 1 : 0;

		if (dup2(child_end, target) < 0)
			_exit(127);
		exec_child(&cmd);
	}
	free(cmd.storage);
	close(reading ? fds[1] : fds[0]);
	stream = fdopen(reading ? fds[0] : fds[1], reading ? "r" : "w");
	if (stream == NULL)
	{
		close(reading ? fds[0] : fds[1]);
		waitpid(pid, NULL, 0);
		free(entry);
		return NULL;
	}
	entry->stream = stream;
	entry->pid = pid;
	entry->next = open_streams;
	open_streams = entry;
	return stream;
}

int
__wrap_pclose(FILE *stream)
{
	open_stream **link;

	for (link = &open_streams; *link != NULL; link = &(*link)->next)
	{
		if ((*link)->stream == stream)
		{
			open_stream *entry = *link;
			pid_t		pid = entry->pid;
			int			status;

			*link = entry->next;
			free(entry);
			fclose(stream);
			while (waitpid(pid, &status, 0) < 0)
				if (errno != EINTR)
					return -1;
			return status;
		}
	}
	return __real_pclose(stream);
}

int
__wrap_system(const char *command)
{
	simple_command cmd;
	struct sigaction ignore,
				old_int,
				old_quit;
	sigset_t	block,
				old_mask;
	pid_t		pid;
	int			status = -1;

	cmd.storage = NULL;
	if (command == NULL || parse_simple_command(command, &cmd) != 0 || !runnable(&cmd))
	{
		free(cmd.storage);
		return __real_system(command);
	}
	memset(&ignore, 0, sizeof(ignore));
	ignore.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	fflush(NULL);
	pid = fork();
	if (pid == 0)
	{
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		exec_child(&cmd);
	}
	free(cmd.storage);
	if (pid > 0)
	{
		while (waitpid(pid, &status, 0) < 0)
		{
			if (errno != EINTR)
			{
				status = -1;
				break;
			}
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return status;
}
