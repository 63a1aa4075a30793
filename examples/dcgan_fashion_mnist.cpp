// The DCGAN of libtorch's own C++ tutorial ("Using the PyTorch C++ Frontend", pytorch/examples
// cpp/dcgan), written as a libtorch program, on Fashion-MNIST instead of MNIST. The generator
// turns 100 numbers of noise ([N, 100, 1, 1]) into a 28x28 image with four transposed
// convolutions (1 -> 4 -> 7 -> 14 -> 28 pixels; BatchNorm and ReLU between, tanh at the end);
// the discriminator is the mirror, four convolutions (28 -> 14 -> 7 -> 3 -> 1; BatchNorm and
// LeakyReLU(0.2) between, a sigmoid at the end). Both train with Adam (lr 2e-4, betas 0.5, 0.5),
// the real images labelled with soft labels drawn from [0.8, 1] as in the tutorial. The data
// come through the data API, normalised to [-1, 1] (the range of tanh). Each epoch writes a grid
// of 64 samples from the same fixed noise, so the pictures show the generator learning.
// Usage: dcgan_fashion_mnist [--device cpu|cuda|auto] [--epochs N] [--seed S] [--batch-size B]
//                            [--max-batches K] [--workers W] [--data DIR] [--out DIR]
#include "common.h"

using namespace ember;

// The tutorial's kNoiseSize.
constexpr int64_t kNoiseSize = 100;

struct DCGANGeneratorImpl : nn::Module {
    DCGANGeneratorImpl(int64_t noise_size)
        : conv1(nn::ConvTranspose2dOptions(noise_size, 256, 4).bias(false)),
          batch_norm1(256),
          conv2(nn::ConvTranspose2dOptions(256, 128, 3).stride(2).padding(1).bias(false)),
          batch_norm2(128),
          conv3(nn::ConvTranspose2dOptions(128, 64, 4).stride(2).padding(1).bias(false)),
          batch_norm3(64),
          conv4(nn::ConvTranspose2dOptions(64, 1, 4).stride(2).padding(1).bias(false)) {
        register_module("conv1", conv1);
        register_module("conv2", conv2);
        register_module("conv3", conv3);
        register_module("conv4", conv4);
        register_module("batch_norm1", batch_norm1);
        register_module("batch_norm2", batch_norm2);
        register_module("batch_norm3", batch_norm3);
    }
    Tensor forward(Tensor x) {
        x = relu(batch_norm1(conv1(x)));  // [N, 256, 4, 4]
        x = relu(batch_norm2(conv2(x)));  // [N, 128, 7, 7]
        x = relu(batch_norm3(conv3(x)));  // [N, 64, 14, 14]
        x = tanh(conv4(x));               // [N, 1, 28, 28]
        return x;
    }
    nn::ConvTranspose2d conv1;
    nn::BatchNorm2d batch_norm1;
    nn::ConvTranspose2d conv2;
    nn::BatchNorm2d batch_norm2;
    nn::ConvTranspose2d conv3;
    nn::BatchNorm2d batch_norm3;
    nn::ConvTranspose2d conv4;
};
EMBER_MODULE(DCGANGenerator);

nn::Sequential make_discriminator() {
    return nn::Sequential(
        // 28 -> 14
        nn::Conv2d(nn::Conv2dOptions(1, 64, 4).stride(2).padding(1).bias(false)),
        nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
        // 14 -> 7
        nn::Conv2d(nn::Conv2dOptions(64, 128, 4).stride(2).padding(1).bias(false)), nn::BatchNorm2d(128),
        nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
        // 7 -> 3
        nn::Conv2d(nn::Conv2dOptions(128, 256, 4).stride(2).padding(1).bias(false)), nn::BatchNorm2d(256),
        nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)),
        // 3 -> 1: the probability that the image is real
        nn::Conv2d(nn::Conv2dOptions(256, 1, 3).stride(1).padding(0).bias(false)), nn::Sigmoid());
}

int main(int argc, char** argv) try {
    CLI::App app{"DCGAN on Fashion-MNIST, as libtorch's C++ tutorial"};
    demo::CommonOptions opt;
    opt.epochs = 30;  // the tutorial's kNumberOfEpochs
    opt.out = "out/dcgan";
    int64_t batch_size = 64, workers = 2, max_batches = 0;
    double lr = 2e-4;
    demo::add_common(app, opt);
    app.add_option("--batch-size", batch_size, "training batch size")->check(CLI::PositiveNumber);
    app.add_option("--max-batches", max_batches, "stop each epoch after this many batches (0: all)");
    app.add_option("--workers", workers, "data loader worker threads (0: load in the training thread)");
    app.add_option("--lr", lr, "Adam learning rate of both networks");
    CLI11_PARSE(app, argc, argv);
    const auto start = std::chrono::steady_clock::now();
    manual_seed(opt.seed);
    const Device device = demo::pick_device(opt.device);

    // Pixels in [0, 1] normalised with mean 0.5 and std 0.5: [-1, 1].
    auto dataset = data::datasets::MNIST(opt.data, data::datasets::MNIST::Mode::kTrain)
                       .map(data::transforms::Normalize<>(0.5, 0.5))
                       .map(data::transforms::Stack<>());
    const int64_t dataset_size = static_cast<int64_t>(dataset.size().value());
    auto data_loader = data::make_data_loader<data::samplers::RandomSampler>(
        std::move(dataset), data::DataLoaderOptions().batch_size(batch_size).workers(workers));
    int64_t batches_per_epoch = (dataset_size + batch_size - 1) / batch_size;
    if (max_batches > 0) batches_per_epoch = std::min(batches_per_epoch, max_batches);

    DCGANGenerator generator(kNoiseSize);
    generator->to(device);
    nn::Sequential discriminator = make_discriminator();
    discriminator->to(device);
    optim::Adam generator_optimizer(generator->parameters(), optim::AdamOptions(lr).betas(std::make_tuple(0.5, 0.5)));
    optim::Adam discriminator_optimizer(discriminator->parameters(),
                                        optim::AdamOptions(lr).betas(std::make_tuple(0.5, 0.5)));
    std::cout << *generator << "\n" << *discriminator << "\n";

    // 64 samples from one fixed noise, before training and after each epoch.
    const Tensor fixed_noise = randn({64, kNoiseSize, 1, 1}, TensorOptions().device(device));
    auto samples = [&] {
        NoGradGuard no_grad;
        return generator->forward(fixed_noise).cpu();
    };
    demo::ensure_dir(opt.out);
    Tensor previous = samples();
    data::save_image_grid((previous + 1) / 2, opt.out + "/samples_epoch0.png", 8);

    std::vector<double> d_losses, g_losses, sample_change;
    for (int64_t epoch = 1; epoch <= opt.epochs; ++epoch) {
        data::ProgressBar bar(batches_per_epoch,
                              "dcgan epoch " + std::to_string(epoch) + "/" + std::to_string(opt.epochs), &std::cerr,
                              "batches");
        double d_sum = 0, g_sum = 0;
        int64_t batch_index = 0;
        for (auto& batch : *data_loader) {
            if (batch_index == batches_per_epoch) break;
            // Train the discriminator on real images (soft labels in [0.8, 1])...
            discriminator->zero_grad();
            Tensor real_images = batch.data.to(device);
            Tensor real_labels = empty(batch.data.size(0), TensorOptions().device(device)).uniform_(0.8, 1.0);
            Tensor real_output = discriminator->forward(real_images).reshape(real_labels.sizes());
            Tensor d_loss_real = binary_cross_entropy(real_output, real_labels);
            d_loss_real.backward();

            // ...and on generated ones (label 0), detached so the generator is not updated.
            Tensor noise = randn({batch.data.size(0), kNoiseSize, 1, 1}, TensorOptions().device(device));
            Tensor fake_images = generator->forward(noise);
            Tensor fake_labels = zeros(batch.data.size(0), TensorOptions().device(device));
            Tensor fake_output = discriminator->forward(fake_images.detach()).reshape(fake_labels.sizes());
            Tensor d_loss_fake = binary_cross_entropy(fake_output, fake_labels);
            d_loss_fake.backward();
            Tensor d_loss = d_loss_real + d_loss_fake;
            discriminator_optimizer.step();

            // Train the generator: make the discriminator call its images real (label 1).
            generator->zero_grad();
            fake_labels.fill_(1);
            fake_output = discriminator->forward(fake_images).reshape(fake_labels.sizes());
            Tensor g_loss = binary_cross_entropy(fake_output, fake_labels);
            g_loss.backward();
            generator_optimizer.step();

            const double d = d_loss.item<double>(), g = g_loss.item<double>();
            if (!std::isfinite(d) || !std::isfinite(g))
                throw ValueError("dcgan: the losses diverged at epoch " + std::to_string(epoch) + ", batch " +
                                 std::to_string(batch_index) + " (D " + std::to_string(d) + ", G " + std::to_string(g) +
                                 ")");
            d_sum += d;
            g_sum += g;
            ++batch_index;
            bar.update(1, {{"D", d}, {"G", g}});
        }
        bar.finish();
        d_losses.push_back(d_sum / static_cast<double>(std::max<int64_t>(1, batch_index)));
        g_losses.push_back(g_sum / static_cast<double>(std::max<int64_t>(1, batch_index)));
        Tensor now = samples();
        sample_change.push_back((now - previous).abs().mean().item<double>());
        previous = now;
        const std::string path = opt.out + "/samples_epoch" + std::to_string(epoch) + ".png";
        data::save_image_grid((now + 1) / 2, path, 8);
        std::cout << "dcgan epoch " << epoch << ": D loss " << std::fixed << std::setprecision(4) << d_losses.back()
                  << ", G loss " << g_losses.back() << ", mean |sample change| " << sample_change.back() << " -> "
                  << path << std::defaultfloat << std::endl;
    }
    save(generator, opt.out + "/generator.safetensors");
    std::cout << demo::Json()
                     .add("example", "dcgan_fashion_mnist")
                     .add("data", "fashion-mnist")
                     .add("device", device.str())
                     .add("epochs", static_cast<double>(opt.epochs))
                     .add("batches_per_epoch", static_cast<double>(batches_per_epoch))
                     .add("d_loss", d_losses.back())
                     .add("g_loss", g_losses.back())
                     .add("d_loss_per_epoch", d_losses)
                     .add("g_loss_per_epoch", g_losses)
                     .add("sample_change_per_epoch", sample_change)
                     .add("seconds", demo::seconds_since(start))
                     .str()
              << std::endl;
    return 0;
} catch (const std::exception& e) {
    std::cerr << "dcgan_fashion_mnist: " << e.what() << "\n";
    return 1;
}
