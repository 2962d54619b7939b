// Reads JSON strings, one a line, and prints "ok" or "error" for each as Go's regexp.Compile
// takes it: the reference of tests/differential/test_regex_syntax.py.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
)

func main() {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		var pattern string
		if err := json.Unmarshal(scanner.Bytes(), &pattern); err != nil {
			fmt.Println("bad input")
			continue
		}
		if _, err := regexp.Compile(pattern); err != nil {
			fmt.Println("error")
		} else {
			fmt.Println("ok")
		}
	}
}
