package sync

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestPipelineKeepsOrderAndReportsTheFirstError(t *testing.T) {
	var got []int
	send, finish := pipeline(context.Background(), 2, func(v int) error { got = append(got, v); return nil })
	for i := range 50 {
		if err := send(i); err != nil {
			t.Fatal(err)
		}
	}
	if err := finish(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, slices.Collect(func(yield func(int) bool) {
		for i := range 50 {
			if !yield(i) {
				return
			}
		}
	})) {
		t.Fatalf("order %v", got)
	}

	boom := errors.New("boom")
	send, finish = pipeline(context.Background(), 1, func(v int) error {
		if v == 3 {
			return boom
		}
		return nil
	})
	var sendErr error
	for i := 0; i < 100 && sendErr == nil; i++ {
		sendErr = send(i)
	}
	if !errors.Is(sendErr, boom) {
		t.Fatalf("send after failure: %v", sendErr)
	}
	if err := finish(); !errors.Is(err, boom) {
		t.Fatalf("finish: %v", err)
	}
}
