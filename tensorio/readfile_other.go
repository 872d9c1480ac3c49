//go:build !unix

package tensorio

// openNonBlock is 0 where named pipes cannot be opened without blocking.
const openNonBlock = 0
