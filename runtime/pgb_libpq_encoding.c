/*
 * pg-bundle runtime: libpq's encoding functions for a static initdb (PostgreSQL 18+).
 *
 * Since v18, libpgcommon.a names its encoding functions pg_encoding_to_char_private() etc.
 * (src/include/mb/pg_wchar.h), and the public names that libpq calls exist only in
 * libpgcommon_shlib.a, which goes into libpq.so. A static link of libpq.a therefore lacks them;
 * these forwarders supply them. pg-bundle links this file only for trees whose pg_wchar.h has the
 * _private names.
 */
extern int	pg_char_to_encoding_private(const char *name);
extern const char *pg_encoding_to_char_private(int encoding);
extern int	pg_valid_server_encoding_private(const char *name);
extern int	pg_valid_server_encoding_id_private(int encoding);
extern int	pg_utf_mblen_private(const unsigned char *s);

int			pg_char_to_encoding(const char *name);
const char *pg_encoding_to_char(int encoding);
int			pg_valid_server_encoding(const char *name);
int			pg_valid_server_encoding_id(int encoding);
int			pg_utf_mblen(const unsigned char *s);

int
pg_char_to_encoding(const char *name)
{
	return pg_char_to_encoding_private(name);
}

const char *
pg_encoding_to_char(int encoding)
{
	return pg_encoding_to_char_private(encoding);
}

int
pg_valid_server_encoding(const char *name)
{
	return pg_valid_server_encoding_private(name);
}

int
pg_valid_server_encoding_id(int encoding)
{
	return pg_valid_server_encoding_id_private(encoding);
}

int
pg_utf_mblen(const unsigned char *s)
{
	return pg_utf_mblen_private(s);
}
