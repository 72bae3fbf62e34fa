from tracker.cli import main

# Guarded: the feed-parsing worker processes re-import the main module.
if __name__ == "__main__":
    main()
