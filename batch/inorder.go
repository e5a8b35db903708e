package batch

// inOrder calls fn with the chunks of in in the order of their numbers
// (0, 1, 2, …), holding those that come early: the workers that map and
// check chunks finish them out of order, and every output follows the
// roster. It returns fn's first error; the caller drains in.
func inOrder[T any](in <-chan T, num func(T) int, fn func(T) error) error {
	waiting := map[int]T{}
	next := 0
	for c := range in {
		waiting[num(c)] = c
		for {
			c, ok := waiting[next]
			if !ok {
				break
			}
			delete(waiting, next)
			next++
			if err := fn(c); err != nil {
				return err
			}
		}
	}
	return nil
}
