# Floating-point work for the e2e tests, run by busybox awk in the guest and by the host's awk
# (busybox's awk has no libm: a series for pi and Newton's method for sqrt(2) instead).
BEGIN {
	s = 0
	for (i = 1; i <= 1000; i++)
		s += i * i
	p = 0
	for (i = 0; i < 20000; i++)
		p += (i % 2 ? -4 : 4) / (2 * i + 1)
	x = 1
	for (i = 0; i < 8; i++)
		x = (x + 2 / x) / 2
	printf "%d %.12f %.15f", s, p, x
}
