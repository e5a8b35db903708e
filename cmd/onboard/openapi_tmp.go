package main
import "errors"
var errNotYet = errors.New("--from-openapi: not built yet")
