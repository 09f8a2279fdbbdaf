// Asks for the environment N times (100,000 unless given): each os.Environ() gets a block from
// GetEnvironmentStringsW and gives it back with FreeEnvironmentStringsW, so the program must run to its end
// however often it asks.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	calls := 100000
	if len(os.Args) > 1 {
		calls, _ = strconv.Atoi(os.Args[1])
	}
	n := 0
	for i := 0; i < calls; i++ {
		n += len(os.Environ())
	}
	fmt.Printf("environ calls: %d, variables seen: %d\n", calls, n)
}
