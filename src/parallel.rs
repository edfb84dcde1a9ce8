//! Parallel work inside one-time initialisations (`OnceLock::get_or_init`)
//! runs on plain scoped threads, never on rayon. A rayon thread that waits
//! for its jobs takes on other queued work meanwhile; should that work need
//! the `OnceLock` being initialised further up the same thread, the thread
//! waits on itself forever (seen: `trend`, whose checks run on rayon
//! threads, hung while compiling the built-in packs).

use std::num::NonZeroUsize;

/// `f(index, item)` for every item, on up to one thread per core, in
/// contiguous shares; the results in the items' order.
pub fn map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(usize, T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let share = items.len().div_ceil(threads.max(1)).max(1);
    if items.len() <= share {
        return items
            .into_iter()
            .enumerate()
            .map(|(i, t)| f(i, t))
            .collect();
    }
    let mut shares: Vec<Vec<(usize, T)>> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if i % share == 0 {
            shares.push(Vec::with_capacity(share));
        }
        if let Some(last) = shares.last_mut() {
            last.push((i, item));
        }
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| {
                scope.spawn(move || share.into_iter().map(|(i, t)| f(i, t)).collect::<Vec<R>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(results) => results,
                // The work panicked: the panic goes on in this thread.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_order_of_the_items() {
        for n in [0, 1, 2, 3, 7, 100] {
            let items: Vec<usize> = (0..n).collect();
            let got = super::map(items, |i, x| (i, x * 2));
            let want: Vec<(usize, usize)> = (0..n).map(|i| (i, i * 2)).collect();
            assert_eq!(got, want);
        }
    }
}
