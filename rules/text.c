/* SPDX-License-Identifier: Apache-2.0 */
/*
 * text.c - strings put together without printf.
 *
 * snprintf parses its format on every call: about 800 instructions for
 * "%s[%zu]", more than some whole checks cost. A field name or a number in
 * every allowed create's path is built here instead. A denial's reasons are
 * formatted by text_format, a printf for the few conversions they use: a
 * denied create formats a dozen of them, and vsnprintf was a tenth of its
 * cost. Written by hand: no library we may use has a cheaper printf.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

void text_copy(char *buf, size_t len, const char *s, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

size_t text_append(char *buf, size_t len, size_t n, const char *s)
{
	size_t k = strlen(s);

	text_copy(buf + n, len - n, s, k);
	return n + k;
}

char *text_join(char *buf, size_t len, ...)
{
	size_t w = 0;
	const char *s;
	va_list ap;

	buf[0] = '\0';
	va_start(ap, len);
	while (w + 1 < len && (s = va_arg(ap, const char *)) != NULL)
		w = text_append(buf, len, w, s);
	va_end(ap);
	return buf;
}

/* An unsigned V in decimal in BUF; returns where it starts. */
static char *unsigned_decimal(char buf[24], unsigned long long v)
{
	char *p = buf + 23;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

const char *text_decimal(char buf[24], long long v)
{
	char *p = unsigned_decimal(buf, v < 0 ? 0ULL - (unsigned long long)v
					  : (unsigned long long)v);

	if (v < 0)
		*--p = '-';
	return p;
}

/* ---------------------------------------------------------------- a small printf */

/* Output so far: N counts every byte the text would have, as vsnprintf
 * returns; bytes past LEN - 1 are counted, not written. */
struct out {
	char *buf;
	size_t len, n;
};

static void put(struct out *o, const char *s, size_t k)
{
	if (o->n + 1 < o->len) {
		size_t room = o->len - 1 - o->n;

		memcpy(o->buf + o->n, s, k < room ? k : room);
	}
	o->n += k;
}

/* Length modifiers text_vformat reads. */
enum size_mod { MOD_NONE, MOD_L, MOD_LL, MOD_Z };

/*
 * The conversion at FMT (just past its '%'): its length in *LEN, its
 * modifier in *MOD, its precision in *PREC (-1 none, -2 from the arguments);
 * the conversion character, or 0 when text_vformat does not do it.
 */
static char spec_of(const char *fmt, size_t *len, enum size_mod *mod, int *prec)
{
	const char *p = fmt;

	*len = 0;
	*mod = MOD_NONE;
	*prec = -1;
	if (*p == '.') {
		p++;
		if (*p == '*') {
			*prec = -2;
			p++;
		} else {
			if (*p < '0' || *p > '9')
				return 0;
			for (*prec = 0; *p >= '0' && *p <= '9'; p++)
				if ((*prec = *prec * 10 + (*p - '0')) > 4096)
					return 0;
		}
	}
	if (*p == 'l') {
		p++;
		*mod = MOD_L;
		if (*p == 'l') {
			p++;
			*mod = MOD_LL;
		}
	} else if (*p == 'z') {
		p++;
		*mod = MOD_Z;
	}
	*len = (size_t)(p - fmt) + 1;
	switch (*p) {
	case 's':
		return *mod == MOD_NONE ? 's' : 0;
	case 'c':
	case '%':
		return *mod == MOD_NONE && *prec == -1 ? *p : 0;
	case 'd':
	case 'i':		/* %zd is ssize_t: vsnprintf's */
		return *prec == -1 && *mod != MOD_Z ? *p : 0;
	case 'u':
		return *prec == -1 ? *p : 0;
	default:
		return 0;
	}
}

static void put_integer(struct out *o, char conv, enum size_mod mod, va_list *ap)
{
	char digits[24];
	const char *p;

	if (conv == 'u')
		p = unsigned_decimal(digits, mod == MOD_LL ? va_arg(*ap, unsigned long long)
					   : mod == MOD_L ? va_arg(*ap, unsigned long)
					   : mod == MOD_Z ? va_arg(*ap, size_t)
					   : va_arg(*ap, unsigned int));
	else
		p = text_decimal(digits, mod == MOD_LL ? va_arg(*ap, long long)
				       : mod == MOD_L ? va_arg(*ap, long)
				       : va_arg(*ap, int));
	put(o, p, strlen(p));
}

int text_vformat(char *buf, size_t len, const char *fmt, va_list ap)
{
	struct out o = { buf, len, 0 };
	const char *p = fmt, *pct, *s;
	enum size_mod mod;
	size_t speclen;
	va_list args;
	int prec;
	char c;

	va_copy(args, ap);	/* AP stays whole for vsnprintf */
	while ((pct = strchr(p, '%')) != NULL) {
		put(&o, p, (size_t)(pct - p));
		c = spec_of(pct + 1, &speclen, &mod, &prec);
		p = pct + 1 + speclen;
		switch (c) {
		case 0:		/* not ours: vsnprintf does it all again */
			va_end(args);
			return vsnprintf(buf, len, fmt, ap);
		case 's':
			if (prec == -2)
				prec = va_arg(args, int);	/* negative: no precision */
			s = va_arg(args, const char *);
			if (s == NULL)	/* as glibc prints it, whole or not at all */
				s = prec < 0 || prec >= 6 ? "(null)" : "";
			put(&o, s, prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s));
			break;
		case 'c':
			c = (char)va_arg(args, int);
			put(&o, &c, 1);
			break;
		case '%':
			put(&o, "%", 1);
			break;
		default:
			put_integer(&o, c, mod, &args);
		}
	}
	va_end(args);
	put(&o, p, strlen(p));
	if (len > 0)
		buf[o.n < len ? o.n : len - 1] = '\0';
	return o.n > INT_MAX ? -1 : (int)o.n;
}

int text_format(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = text_vformat(buf, len, fmt, ap);
	va_end(ap);
	return n;
}
