/*
 * test/protocol/portal.c: portals read through the extended protocol, in
 * steps.
 *
 * libpq runs every statement to its end (Execute with no row limit) and has
 * no call for a named portal, so this client connects with libpq and then
 * speaks the protocol itself on libpq's socket: Parse, Bind to a named
 * portal, Execute with a row limit, Sync, each message read back.  A second
 * connection (plain libpq) commits changes of rights between two steps.
 *
 * Usage: portal APP_CONNINFO ADMIN_CONNINFO
 * Prints one line per step: the rows it got and whether the portal was
 * suspended or complete, or the error's SQLSTATE and message.  The test
 * (test/protocol/run) compares the output with test/protocol/expected.out.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

static PGconn *app;
static PGconn *admin;
static int	sock;

static void
die(const char *what)
{
	fprintf(stderr, "portal: %s\n", what);
	exit(2);
}

/* ---- the wire ----------------------------------------------------------- */

static void
write_all(const char *buf, size_t len)
{
	while (len > 0)
	{
		ssize_t		n = write(sock, buf, len);

		if (n <= 0)
			die("write failed");
		buf += n;
		len -= (size_t) n;
	}
}

static void
read_all(char *buf, size_t len)
{
	while (len > 0)
	{
		ssize_t		n = read(sock, buf, len);

		if (n <= 0)
			die("the server closed the connection");
		buf += n;
		len -= (size_t) n;
	}
}

/* A message: its type, then its body (the length is added here). */
typedef struct Message
{
	char		data[8192];
	size_t		len;
} Message;

static void
msg_start(Message *m, char type)
{
	m->data[0] = type;
	m->len = 5;
}

static void
msg_str(Message *m, const char *s)
{
	size_t		n = strlen(s) + 1;

	if (m->len + n > sizeof(m->data))
		die("message too long");
	memcpy(m->data + m->len, s, n);
	m->len += n;
}

static void
msg_int16(Message *m, int v)
{
	uint16_t	n = htons((uint16_t) v);

	memcpy(m->data + m->len, &n, 2);
	m->len += 2;
}

static void
msg_int32(Message *m, int v)
{
	uint32_t	n = htonl((uint32_t) v);

	memcpy(m->data + m->len, &n, 4);
	m->len += 4;
}

static void
msg_send(Message *m)
{
	uint32_t	n = htonl((uint32_t) (m->len - 1));

	memcpy(m->data + 1, &n, 4);
	write_all(m->data, m->len);
}

/* Reads one message; its body is malloc'd and NUL-terminated. */
static char
msg_read(char **body, size_t *len)
{
	char		head[5];
	uint32_t	n;

	read_all(head, 5);
	memcpy(&n, head + 1, 4);
	*len = ntohl(n) - 4;
	*body = malloc(*len + 1);
	if (*body == NULL)
		die("out of memory");
	read_all(*body, *len);
	(*body)[*len] = '\0';
	return head[0];
}

/*
 * Reads the answers until ReadyForQuery, printing the step's line: the
 * first column of each row, "suspended" or "complete", or the error.
 */
static void
read_until_ready(const char *label)
{
	char		line[4096] = "";
	int			rows = 0;

	for (;;)
	{
		char	   *body;
		size_t		len;
		char		type = msg_read(&body, &len);

		if (type == 'D')
		{
			int32_t		collen;

			memcpy(&collen, body + 2, 4);
			collen = (int32_t) ntohl((uint32_t) collen);
			snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%.*s",
					 rows++ == 0 ? " rows " : ",", collen < 0 ? 4 : collen,
					 collen < 0 ? "NULL" : body + 6);
		}
		else if (type == 's')
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " suspended");
		else if (type == 'C')
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " complete");
		else if (type == 'E')
		{
			const char *code = "?";
			const char *message = "?";

			for (size_t i = 0; i < len && body[i] != '\0'; i += strlen(body + i + 1) + 2)
			{
				if (body[i] == 'C')
					code = body + i + 1;
				else if (body[i] == 'M')
					message = body + i + 1;
			}
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " ERROR %s %s",
					 code, message);
		}
		else if (type == 'Z')
		{
			free(body);
			break;
		}
		free(body);
	}
	if (label != NULL)
		printf("%s:%s\n", label, line[0] ? line : " ok");
	fflush(stdout);
}

/* ---- the steps ---------------------------------------------------------- */

/* A statement of the simple protocol; its line only when labelled. */
static void
query(const char *label, const char *sql)
{
	Message		m;

	msg_start(&m, 'Q');
	msg_str(&m, sql);
	msg_send(&m);
	read_until_ready(label);
}

/* The statement, bound to a named portal (Parse, Bind, Sync). */
static void
bind_portal(const char *portal, const char *sql)
{
	Message		m;

	msg_start(&m, 'P');
	msg_str(&m, "");
	msg_str(&m, sql);
	msg_int16(&m, 0);
	msg_send(&m);
	msg_start(&m, 'B');
	msg_str(&m, portal);
	msg_str(&m, "");
	msg_int16(&m, 0);
	msg_int16(&m, 0);
	msg_int16(&m, 0);
	msg_send(&m);
	msg_start(&m, 'S');
	msg_send(&m);
	read_until_ready(NULL);
}

/* One step of a portal: Execute with a row limit, Sync. */
static void
execute(const char *label, const char *portal, int rows)
{
	Message		m;

	msg_start(&m, 'E');
	msg_str(&m, portal);
	msg_int32(&m, rows);
	msg_send(&m);
	msg_start(&m, 'S');
	msg_send(&m);
	read_until_ready(label);
}

/* A change of rights, committed by another session. */
static void
change(const char *sql)
{
	PGresult   *res = PQexec(admin, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		die(PQerrorMessage(admin));
	PQclear(res);
}

#define RUNNERS "SELECT id FROM runner_policy.ci_runners WHERE id BETWEEN 7900 AND 7999 ORDER BY id"

int
main(int argc, char **argv)
{
	if (argc != 3)
		die("usage: portal APP_CONNINFO ADMIN_CONNINFO");
	app = PQconnectdb(argv[1]);
	admin = PQconnectdb(argv[2]);
	if (PQstatus(app) != CONNECTION_OK || PQstatus(admin) != CONNECTION_OK)
		die("cannot connect");
	/* libpq keeps its socket non-blocking; this client waits for each answer */
	sock = PQsocket(app);
	if (fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) & ~O_NONBLOCK) != 0)
		die("cannot make the socket blocking");

	/* 1. A portal run in steps returns rows only to the actor it was opened for. */
	query(NULL, "BEGIN");
	query(NULL, "SELECT runner_policy.act_as(7902)");
	bind_portal("p", RUNNERS);
	execute("1. first step, as its actor", "p", 1);
	query(NULL, "SELECT runner_policy.act_as(7901)");
	execute("1. next step, as another actor", "p", 1);
	query(NULL, "ROLLBACK");

	/* 2. Each step is a statement: a right it used, removed by another session, fails it. */
	query(NULL, "BEGIN");
	query(NULL, "SELECT runner_policy.act_as(7902)");
	bind_portal("p", RUNNERS);
	execute("2. first step", "p", 1);
	change("DELETE FROM runner_policy.project_members WHERE user_id = 7902 AND project_id = 7951");
	query("2. a plain statement after the removal", "SELECT count(*) FROM runner_policy.ci_runners WHERE id BETWEEN 7900 AND 7999");
	execute("2. next step after the removal", "p", 1);
	query(NULL, "ROLLBACK");
	change("INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (7951, 7902, 40)");

	/* 3. A right only added goes unnoticed: the portal goes on. */
	query(NULL, "BEGIN");
	query(NULL, "SELECT runner_policy.act_as(7902)");
	bind_portal("p", RUNNERS);
	execute("3. first step", "p", 1);
	change("INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (7953, 7902, 40)");
	execute("3. next step after a membership was added", "p", 1);
	execute("3. the rest", "p", 0);
	query(NULL, "ROLLBACK");
	change("DELETE FROM runner_policy.project_members WHERE user_id = 7902 AND project_id = 7953");

	/*
	 * 4. A portal whose rows are all made at its first step and kept: a
	 * utility statement (EXECUTE of a prepared statement), and a RETURNING.
	 */
	query(NULL, "PREPARE runners AS " RUNNERS);
	query(NULL, "BEGIN");
	query(NULL, "SELECT runner_policy.act_as(7902)");
	bind_portal("u", "EXECUTE runners");
	execute("4. EXECUTE, first step", "u", 1);
	query(NULL, "SELECT runner_policy.act_as(7901)");
	execute("4. EXECUTE, next step as another actor", "u", 1);
	query(NULL, "ROLLBACK");
	query(NULL, "BEGIN");
	query(NULL, "SELECT runner_policy.act_as(7902)");
	bind_portal("r", "UPDATE runner_policy.ci_runners SET description = description WHERE id BETWEEN 7900 AND 7999 RETURNING id");
	execute("4. RETURNING, first step", "r", 1);
	query(NULL, "SELECT runner_policy.act_as(7901)");
	execute("4. RETURNING, next step as another actor", "r", 1);
	query(NULL, "ROLLBACK");
	query(NULL, "DEALLOCATE runners");

	/* 5. A SQL cursor executed by its name, and a cursor WITH HOLD after its commit. */
	query(NULL, "BEGIN");
	query(NULL, "SELECT runner_policy.act_as(7902)");
	query(NULL, "DECLARE c CURSOR FOR " RUNNERS);
	execute("5. cursor by name, first step", "c", 1);
	query(NULL, "SELECT runner_policy.act_as(7901)");
	execute("5. cursor by name, as another actor", "c", 1);
	query(NULL, "ROLLBACK");
	query(NULL, "SELECT runner_policy.act_as(7902, false)");
	query(NULL, "DECLARE h CURSOR WITH HOLD FOR " RUNNERS);
	execute("5. held cursor by name, first step", "h", 1);
	query(NULL, "SELECT runner_policy.act_as(7901, false)");
	execute("5. held cursor by name, as another actor", "h", 1);
	query(NULL, "CLOSE h");
	query(NULL, "SELECT runner_policy.reset_actor()");

	PQfinish(app);
	PQfinish(admin);
	return 0;
}
