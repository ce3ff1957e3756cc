import ArgumentParser

await Pare.main()
